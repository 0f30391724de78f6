import { describe, expect, it, vi } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { generateKey, kekId, unwrapKey, wrapKey } from '../../../src/crypto/envelope.js';
import type { StoredWrappedKey } from '../../../src/crypto/keys.repository.js';
import { MasterKeyMismatch, MasterKeys } from '../../../src/crypto/master-keys.js';
import type { AppLogger } from '../../../src/common/logging/logger.js';

const logger = { warn: vi.fn(), info: vi.fn() } as unknown as AppLogger;
const oldKek = generateKey();
const newKek = generateKey();
const now = new Date('2026-11-23T12:00:00Z');
const binding = { tokenKey: 'tk_1', type: 'zip' };

function stored(kek: Buffer, purpose: 'data' | 'index', version: number, extra: Partial<StoredWrappedKey> = {}): StoredWrappedKey {
  return { purpose, version, wrapped: wrapKey(kek, purpose, version, generateKey()), kekId: kekId(kek), retiredAt: null, activatesAt: now, ...extra };
}

describe('MasterKeys', () => {
  it('re-wraps a key from the previous master key to the current one, keeping the key itself', () => {
    const master = new MasterKeys(new Secret(newKek), new Secret(oldKek), logger);
    const plain = generateKey();
    const key: StoredWrappedKey = { purpose: 'data', version: 7, wrapped: wrapKey(oldKek, 'data', 7, plain), kekId: kekId(oldKek), retiredAt: null, activatesAt: now };
    expect(master.needsRewrap([key])).toBe(true);
    expect(unwrapKey(newKek, 'data', 7, master.rewrap(key))).toEqual(plain);
    expect(new MasterKeys(new Secret(newKek), null, logger).needsRewrap([key])).toBe(false);
  });

  it('at start, a key under neither master key is a MasterKeyMismatch naming what was configured', () => {
    const keys = [stored(oldKek, 'index', 1), stored(oldKek, 'data', 1)];
    expect(() => new MasterKeys(new Secret(newKek), null, logger).load({ keys, databaseNow: now }, undefined, 0, 60_000)).toThrow(MasterKeyMismatch);
    expect(() => new MasterKeys(new Secret(newKek), new Secret(generateKey()), logger).load({ keys, databaseNow: now }, undefined, 0, 60_000)).toThrow(
      /and neither is VAULT_MASTER_KEY_PREVIOUS/,
    );
  });

  it('on reload, keys re-wrapped elsewhere under an unknown master key keep working from memory', () => {
    const master = new MasterKeys(new Secret(oldKek), null, logger);
    const index = stored(oldKek, 'index', 1);
    const data = stored(oldKek, 'data', 1);
    const loaded = master.load({ keys: [index, data], databaseNow: now }, undefined, 0, 60_000);
    const sealed = loaded.schedule.cipherAt(0).encrypt('30301', binding);
    const elsewhere = { ...data, kekId: kekId(newKek), wrapped: Buffer.alloc(60) };
    const reloaded = master.load({ keys: [{ ...index, kekId: kekId(newKek) }, elsewhere, stored(newKek, 'data', 2)], databaseNow: now }, loaded, 0, 60_000);
    expect(reloaded.schedule.cipherAt(0).decrypt(sealed, binding)).toBe('30301');
    expect(reloaded.index).toBe(loaded.index);
    expect(reloaded.schedule.versions).toEqual([1]); // v2 was never held and cannot be unwrapped here
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ purpose: 'data', version: 2 }), expect.stringContaining('unknown master key'));
  });

  it('an unchanged table reuses what is loaded; activation times convert from the database clock', () => {
    const master = new MasterKeys(new Secret(newKek), null, logger);
    const keys = [stored(newKek, 'index', 1), stored(newKek, 'data', 1), stored(newKek, 'data', 2, { activatesAt: new Date(now.getTime() + 3_000) })];
    const loaded = master.load({ keys, databaseNow: now }, undefined, 100_000, 60_000);
    expect(loaded.schedule.cipherAt(102_999).currentVersion).toBe(1);
    expect(loaded.schedule.cipherAt(103_000).currentVersion).toBe(2);
    expect(master.load({ keys, databaseNow: new Date(now.getTime() + 500) }, loaded, 100_500, 60_000)).toBe(loaded);
  });

  it('a retired version stays readable during the grace period, then is dropped', () => {
    const master = new MasterKeys(new Secret(newKek), null, logger);
    const retiredAt = new Date(now.getTime() - 10_000);
    const keys = [stored(newKek, 'index', 1), stored(newKek, 'data', 1, { retiredAt }), stored(newKek, 'data', 2)];
    const inGrace = master.load({ keys, databaseNow: now }, undefined, 0, 60_000);
    expect(inGrace.schedule.versions).toEqual([1, 2]);
    expect(inGrace.schedule.cipherAt(0).currentVersion).toBe(2);
    const later = master.load({ keys, databaseNow: new Date(now.getTime() + 60_000) }, inGrace, 60_000, 60_000);
    expect(later.schedule.versions).toEqual([2]);
  });
});
