import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service.js';
import { keyEventDraft } from '../audit/key-event.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import type { PrismaTransaction } from '../prisma/prisma.service.js';
import { DecryptionError } from './aead.js';
import { DataKeySchedule } from './data-key-schedule.js';
import { generateKey, IndexKeys, kekId, ValueCipher, wrapKey, type ValueBinding } from './envelope.js';
import { KeysRepository } from './keys.repository.js';
import { KEY_ACTIVATION_DELAY_MS, KEY_REFRESH_INTERVAL_MS, MasterKeys, RETIRED_KEY_GRACE_MS, type LoadedKeys } from './master-keys.js';

export { MasterKeyMismatch } from './master-keys.js';

/** A value re-sealed under the current data key, as the re-encryption job stores it. */
export interface Resealed {
  readonly ciphertext: Buffer;
  readonly keyVersion: number;
}

/**
 * The envelope-encryption facade the rest of the vault uses: encrypt, decrypt, fingerprint; no key and no
 * plaintext of a re-encryption ever leaves it.
 *
 * Keys are (re)read from `wrapped_keys` at start and then every KEY_REFRESH_INTERVAL_MS, so a rotation made by
 * any instance reaches this one within a second. A new data-key version activates KEY_ACTIVATION_DELAY_MS after
 * it is stored (by the database's clock), later than every running instance's next refresh: by the time any
 * instance writes with it, every instance can read it. Should an instance still meet a version it does not
 * hold (it missed several refreshes), `ensureVersionsLoaded` reloads once; the synchronous `decrypt` answers a
 * retryable 503 and reloads in the background, rather than failing for good.
 */
@Injectable()
export class KeyringService implements OnModuleInit, OnModuleDestroy {
  #loaded: LoadedKeys | undefined;
  #reloading: Promise<void> | undefined;
  #nextReload: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshFailing = false;
  #rewrapFailing = false;
  #pinned: ValueCipher | undefined;
  #stopped = false;
  private readonly master: MasterKeys;

  constructor(
    @Inject(VAULT_CONFIG) config: VaultConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    private readonly keys: KeysRepository,
    private readonly audit: AuditLog,
  ) {
    this.master = new MasterKeys(config.masterKey, config.masterKeyPrevious, logger);
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refreshQuietly(), KEY_REFRESH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Runs before the database closes (CryptoModule is imported after PrismaModule): lets a reload in flight end. */
  async onModuleDestroy(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#nextReload?.catch(() => undefined);
    await this.#reloading?.catch(() => undefined);
  }

  /**
   * Re-reads the stored keys: bootstraps data key v1 and the index root on an empty vault, re-wraps (audited) keys
   * still under VAULT_MASTER_KEY_PREVIOUS, and unwraps versions not yet held. The reload a caller waits for always
   * starts after its call (a reload in flight may have read the table before the caller's reason to reload
   * was committed); callers arriving together share one.
   */
  refresh(): Promise<void> {
    if (this.#reloading === undefined) {
      this.#reloading = this.reload().finally(() => {
        this.#reloading = undefined;
      });
      return this.#reloading;
    }
    this.#nextReload ??= this.#reloading
      .catch(() => undefined)
      .then(() => {
        this.#nextReload = undefined;
        return this.refresh();
      });
    return this.#nextReload;
  }

  get currentKeyVersion(): number {
    return this.cipher.currentVersion;
  }

  encrypt(plaintext: string, binding: ValueBinding): Buffer {
    return this.cipher.encrypt(plaintext, binding);
  }

  decrypt(ciphertext: Buffer, binding: ValueBinding): string {
    const cipher = this.cipher;
    // A version above every one held can only be a rotation this instance has not loaded yet (a lower unknown
    // version is a retired or forged one: no reload brings it back, and decrypt reports it as such).
    if (cipher.keyVersionOf(ciphertext) > this.loaded.schedule.latestVersion) {
      void this.refreshQuietly();
      throw new VaultError(ErrorCode.ServiceUnavailable, 'The vault is loading a new data-key version; retry in a moment.', {
        headers: { 'Retry-After': '1' },
      });
    }
    return cipher.decrypt(ciphertext, binding);
  }

  /**
   * Whether the data key this ciphertext names is held here. False for a version retired since the ciphertext
   * was written (a stale copy: the row itself has been re-encrypted) and for one not loaded yet.
   */
  holdsKeyOf(ciphertext: Buffer): boolean {
    return this.holdsVersionsOf([ciphertext]);
  }

  /** Reloads the keys once when a ciphertext names a version this instance does not hold yet. */
  async ensureVersionsLoaded(ciphertexts: readonly Buffer[]): Promise<void> {
    if (!this.holdsVersionsOf(ciphertexts)) await this.refresh();
  }

  private holdsVersionsOf(ciphertexts: readonly Buffer[]): boolean {
    const cipher = this.loaded.schedule.cipherAt(performance.now());
    return ciphertexts.every((ciphertext) => {
      try {
        return cipher.hasVersion(cipher.keyVersionOf(ciphertext));
      } catch {
        return true; // malformed: no reload helps; decrypting it reports the failure
      }
    });
  }

  /** Decrypts under the ciphertext's version and encrypts under the current one; the value stays in here. */
  reseal(ciphertext: Buffer, binding: ValueBinding): Resealed {
    const cipher = this.cipher;
    const version = cipher.keyVersionOf(ciphertext);
    if (!cipher.hasVersion(version)) throw new DecryptionError('unknown-key-version');
    const resealed = cipher.encrypt(cipher.decrypt(ciphertext, binding), binding);
    return { ciphertext: resealed, keyVersion: cipher.currentVersion };
  }

  /** The deterministic-mode lookup key of a canonical value: HMAC-SHA256 under an HKDF subkey of the index root. */
  fingerprint(type: string, canonical: string): Buffer {
    return this.indexKeys.fingerprint(type, canonical);
  }

  get indexKeys(): IndexKeys {
    return this.loaded.index;
  }

  /**
   * Stores data-key version N+1 (wrapped under the master key) inside the caller's transaction, active
   * KEY_ACTIVATION_DELAY_MS from now. Once the transaction commits, `untilCurrent(version)` waits for it.
   */
  async addDataKeyVersion(tx: PrismaTransaction): Promise<{ version: number; activatesAt: Date }> {
    const kek = this.master.current;
    const created = await this.keys.insertNextDataKey(tx, kekId(kek), KEY_ACTIVATION_DELAY_MS, (version) => wrapKey(kek, 'data', version, generateKey()));
    return { version: created.version, activatesAt: created.activatesAt };
  }

  /** Resolves once `version` (or a later one) encrypts new writes here; reloads first if it is not held yet. */
  async untilCurrent(version: number): Promise<void> {
    if (this.loaded.schedule.latestVersion < version) await this.refresh();
    if (this.loaded.schedule.latestVersion < version) throw new Error('the new data-key version is not in the key table');
    for (;;) {
      const waitMs = this.loaded.schedule.latestActivatesAtMs - performance.now();
      if (this.currentKeyVersion >= version) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, Math.min(waitMs + 1, KEY_REFRESH_INTERVAL_MS))));
    }
  }

  /**
   * The cipher in force, fixed for one synchronous run of code: `encrypt` followed by `currentKeyVersion` (as
   * TokenizeService stores a row) always agree, even at the instant a new version activates.
   */
  private get cipher(): ValueCipher {
    if (this.#pinned !== undefined) return this.#pinned;
    const cipher = this.loaded.schedule.cipherAt(performance.now());
    this.#pinned = cipher;
    queueMicrotask(() => {
      this.#pinned = undefined;
    });
    return cipher;
  }

  private get loaded(): LoadedKeys {
    if (this.#loaded === undefined) throw new Error('keyring used before it was loaded');
    return this.#loaded;
  }

  private async reload(): Promise<void> {
    let snapshot = await this.keys.snapshot();
    const bootstrap = this.master.bootstrapKeys(snapshot.keys);
    if (bootstrap.length > 0) {
      await this.keys.insertIfAbsent(bootstrap);
      snapshot = await this.keys.snapshot();
    }
    if (this.master.needsRewrap(snapshot.keys) && (await this.rewrapUnderCurrentMasterKey())) snapshot = await this.keys.snapshot();
    this.#loaded = this.master.load(snapshot, this.#loaded, performance.now(), RETIRED_KEY_GRACE_MS);
    this.#pinned = undefined;
  }

  /**
   * Re-wraps the keys still under VAULT_MASTER_KEY_PREVIOUS, and records it (a system `rotate` event, operation
   * `rewrap`: versions and key ids, never a key) in the same transaction: no audit record, no re-wrap. A failure
   * postpones the re-wrap to the next reload, never the start: until then keys under the previous master key
   * are unwrapped with it, as during any master-key change. True when keys were re-wrapped.
   */
  private async rewrapUnderCurrentMasterKey(): Promise<boolean> {
    const from = this.master.previousId as string;
    const to = this.master.currentId;
    try {
      const rewrapped = await this.keys.rewrapAll(
        from,
        to,
        (key) => this.master.rewrap(key),
        async (tx, keys) => {
          const details = {
            fromKekId: from,
            toKekId: to,
            dataKeyVersions: keys.filter((key) => key.purpose === 'data').map((key) => key.version),
            indexRoot: keys.some((key) => key.purpose === 'index'),
          };
          await this.audit.appendWithin(tx, [keyEventDraft(null, 'rewrap', details)]);
        },
      );
      this.#rewrapFailing = false;
      if (rewrapped.length === 0) return false;
      this.logger.warn({ keys: rewrapped.length, from, to }, 'master-key rotation: re-wrapped stored keys under VAULT_MASTER_KEY');
      return true;
    } catch (error) {
      if (!this.#rewrapFailing) {
        this.logger.warn({ err: (error as Error).name, from, to }, 'master-key rotation postponed: the re-wrap could not be done and audited; retrying on the next key reload');
      }
      this.#rewrapFailing = true;
      return false;
    }
  }

  private async refreshQuietly(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.refresh();
      if (this.#refreshFailing) this.logger.info('data keys reloaded again');
      this.#refreshFailing = false;
    } catch (error) {
      // The keys already held stay in use; a failed reload changes nothing. Logged once per outage.
      if (!this.#refreshFailing) this.logger.warn({ err: (error as Error).name }, 'could not reload data keys; keeping the loaded ones');
      this.#refreshFailing = true;
    }
  }
}
