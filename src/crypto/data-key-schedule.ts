import { ValueCipher } from './envelope.js';

/** One unwrapped data key as the schedule receives it. */
export interface ScheduledDataKey {
  readonly version: number;
  readonly key: Buffer;
  /** When it becomes current for writes, on the caller's monotonic clock (ms). */
  readonly activatesAtMs: number;
  /** A retired key still decrypts (briefly, see KeyringService) but is never current for writes. */
  readonly writable: boolean;
}

interface Stage {
  readonly fromMs: number;
  readonly cipher: ValueCipher;
}

/**
 * Which data key encrypts, and which keys decrypt, at any moment. Every loaded key decrypts at all times;
 * the key that encrypts is the highest writable version whose activation time has passed. A version stored by
 * a rotation is therefore readable here before any instance writes with it (the activation delay is longer
 * than the refresh interval), which is what keeps reads from failing while a rotation spreads.
 *
 * Immutable: the stages are built once, each a ValueCipher holding every key; no key ever leaves.
 */
export class DataKeySchedule {
  readonly #stages: readonly Stage[];

  constructor(keys: readonly ScheduledDataKey[]) {
    const writable = keys.filter((key) => key.writable).sort((a, b) => a.activatesAtMs - b.activatesAtMs || a.version - b.version);
    if (writable.length === 0) throw new RangeError('a data-key schedule needs at least one writable key');
    const dataKeys = new Map(keys.map((key) => [key.version, key.key]));
    const stages: Stage[] = [];
    let current = 0;
    for (const [index, key] of writable.entries()) {
      if (key.version <= current) continue; // a lower version activating later never takes over
      current = key.version;
      // The earliest-activating key is current from the start: something must encrypt.
      stages.push({ fromMs: index === 0 ? -Infinity : key.activatesAtMs, cipher: new ValueCipher({ dataKeys, currentVersion: current }) });
    }
    this.#stages = stages;
  }

  cipherAt(nowMs: number): ValueCipher {
    let chosen = this.#stages[0];
    for (const stage of this.#stages) {
      if (stage.fromMs > nowMs) break;
      chosen = stage;
    }
    return chosen.cipher;
  }

  /** The version that will be current once every pending activation has passed. */
  get latestVersion(): number {
    return this.#stages[this.#stages.length - 1].cipher.currentVersion;
  }

  /** When the latest version becomes current (monotonic ms), or -Infinity when it already is from the start. */
  get latestActivatesAtMs(): number {
    return this.#stages[this.#stages.length - 1].fromMs;
  }

  /** Every version that decrypts, ascending. */
  get versions(): number[] {
    return this.#stages[0].cipher.versions;
  }
}
