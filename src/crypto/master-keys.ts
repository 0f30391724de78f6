import type { AppLogger } from '../common/logging/logger.js';
import type { Secret } from '../config/secret.js';
import { DataKeySchedule, type ScheduledDataKey } from './data-key-schedule.js';
import { generateKey, IndexKeys, kekId, unwrapKey, wrapKey } from './envelope.js';
import type { NewWrappedKey, StoredWrappedKey, WrappedKeySnapshot } from './keys.repository.js';

/** How often every instance re-reads `wrapped_keys`. */
export const KEY_REFRESH_INTERVAL_MS = 1_000;
/** A new data-key version encrypts only this long after it is stored: three refreshes, so every instance holds it first. */
export const KEY_ACTIVATION_DELAY_MS = 3 * KEY_REFRESH_INTERVAL_MS;
/**
 * A retired version stays loaded (for reading only) this long after retirement, for requests that read a row
 * just before the re-encryption job rewrote it and decrypt just after. After that it is dropped.
 */
export const RETIRED_KEY_GRACE_MS = 60_000;

/** Start-up refuses to run with a master key that did not wrap this vault's keys. */
export class MasterKeyMismatch extends Error {
  constructor(previousConfigured: boolean) {
    super(
      previousConfigured
        ? "VAULT_MASTER_KEY is not the key that wrapped this vault's data keys (kek id differs), and neither is VAULT_MASTER_KEY_PREVIOUS"
        : "VAULT_MASTER_KEY is not the key that wrapped this vault's data keys (kek id differs)",
    );
    this.name = 'MasterKeyMismatch';
  }
}

/** What the keyring holds after a load: the data-key schedule, the index keys, and what they were built from. */
export interface LoadedKeys {
  readonly signature: string;
  readonly schedule: DataKeySchedule;
  readonly index: IndexKeys;
}

/** The unwrapped data keys behind each LoadedKeys, reachable from this module only (to reuse them on reload). */
const heldDataKeys = new WeakMap<LoadedKeys, ReadonlyMap<number, Buffer>>();

/**
 * The master key (KEK) and, during a master-key change, the previous one: wraps, unwraps and re-wraps stored
 * keys. Keys wrapped under the previous KEK are re-wrapped under the current one (KeysRepository.rewrapAll);
 * keys wrapped under neither stop the start (MasterKeyMismatch). On a reload while running, a key under an
 * unknown KEK (another instance already runs with a newer master key) is not an error: the keys already held
 * stay in use, and a version never held is skipped with a warning.
 */
export class MasterKeys {
  readonly currentId: string;
  readonly previousId: string | null;
  readonly #warnedVersions = new Set<string>();

  constructor(
    private readonly currentKek: Secret,
    private readonly previousKek: Secret | null,
    private readonly logger: AppLogger,
  ) {
    this.currentId = kekId(currentKek.reveal());
    this.previousId = previousKek === null ? null : kekId(previousKek.reveal());
  }

  get current(): Buffer {
    return this.currentKek.reveal();
  }

  /** Data key v1 and the index root, for whichever of them an empty vault lacks. */
  bootstrapKeys(stored: readonly StoredWrappedKey[]): NewWrappedKey[] {
    const missing: NewWrappedKey[] = [];
    for (const purpose of ['index', 'data'] as const) {
      if (!stored.some((key) => key.purpose === purpose)) {
        missing.push({ purpose, version: 1, wrapped: wrapKey(this.current, purpose, 1, generateKey()), kekId: this.currentId });
      }
    }
    return missing;
  }

  needsRewrap(stored: readonly StoredWrappedKey[]): boolean {
    return this.previousId !== null && stored.some((key) => key.kekId === this.previousId);
  }

  rewrap(key: StoredWrappedKey): Buffer {
    if (this.previousKek === null) throw new Error('no previous master key to re-wrap from');
    const plain = unwrapKey(this.previousKek.reveal(), key.purpose, key.version, key.wrapped);
    return wrapKey(this.current, key.purpose, key.version, plain);
  }

  /**
   * Builds what the keyring holds from a snapshot of the table. `before` is what it held until now (undefined
   * at start); unchanged snapshots reuse it. `nowMs` is the local monotonic clock at the time of the snapshot:
   * activation times are converted from the database's clock to it, so hosts' clocks never matter.
   */
  load(snapshot: WrappedKeySnapshot, before: LoadedKeys | undefined, nowMs: number, retiredGraceMs: number): LoadedKeys {
    const dbNowMs = snapshot.databaseNow.getTime();
    const live = snapshot.keys.filter((key) => key.retiredAt === null || dbNowMs - key.retiredAt.getTime() < retiredGraceMs);
    const signature = live.map((k) => `${k.purpose}:${k.version}:${k.kekId}:${k.retiredAt === null}:${k.activatesAt.getTime()}`).join(',');
    if (before !== undefined && before.signature === signature) return before;

    const held = before === undefined ? undefined : heldDataKeys.get(before);
    const dataKeys = new Map<number, Buffer>();
    const scheduled: ScheduledDataKey[] = [];
    let index: IndexKeys | undefined;
    for (const stored of live) {
      const key = this.unwrapOrReuse(stored, held, before);
      if (key === undefined) continue;
      if (stored.purpose === 'index') {
        index = key === 'held' ? before?.index : new IndexKeys(key);
        continue;
      }
      const plain = key === 'held' ? (held?.get(stored.version) as Buffer) : key;
      dataKeys.set(stored.version, plain);
      scheduled.push({
        version: stored.version,
        key: plain,
        activatesAtMs: nowMs + (stored.activatesAt.getTime() - dbNowMs),
        writable: stored.retiredAt === null,
      });
    }
    if (index === undefined || !scheduled.some((key) => key.writable)) throw new Error('the vault has no usable data key or index root');
    const loaded: LoadedKeys = { signature, schedule: new DataKeySchedule(scheduled), index };
    heldDataKeys.set(loaded, dataKeys);
    return loaded;
  }

  private unwrapOrReuse(stored: StoredWrappedKey, held: ReadonlyMap<number, Buffer> | undefined, before: LoadedKeys | undefined): Buffer | 'held' | undefined {
    if (stored.kekId === this.currentId) return unwrapKey(this.current, stored.purpose, stored.version, stored.wrapped);
    if (stored.kekId === this.previousId && this.previousKek !== null) return unwrapKey(this.previousKek.reveal(), stored.purpose, stored.version, stored.wrapped);
    if (before === undefined) throw new MasterKeyMismatch(this.previousKek !== null);
    if (stored.purpose === 'index' || held?.has(stored.version)) return 'held';
    const name = `${stored.purpose}:${stored.version}`;
    if (!this.#warnedVersions.has(name)) {
      this.#warnedVersions.add(name);
      this.logger.warn({ purpose: stored.purpose, version: stored.version, kekId: stored.kekId }, 'a stored key is wrapped under an unknown master key; not loaded');
    }
    return undefined;
  }
}
