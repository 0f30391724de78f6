import { inspect } from 'node:util';

/**
 * Holds key material so that it cannot be printed by accident: `String()`, JSON, `util.inspect` and
 * template literals all show `[redacted]`. Only `reveal()` hands out the bytes, and only crypto code calls it.
 */
export class Secret {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = Buffer.from(bytes);
  }

  reveal(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
