import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataKeySchedule, type ScheduledDataKey } from '../../../src/crypto/data-key-schedule.js';
import { generateKey } from '../../../src/crypto/envelope.js';

const binding = { tokenKey: 'tk_1', type: 'zip' };
const key = (version: number, activatesAtMs: number, writable = true): ScheduledDataKey => ({ version, key: generateKey(), activatesAtMs, writable });

describe('DataKeySchedule', () => {
  it('encrypts with the highest version whose activation has passed; every loaded version decrypts at any time', () => {
    const schedule = new DataKeySchedule([key(1, -5_000), key(2, 1_000), key(3, 2_000)]);
    expect([0, 999, 1_000, 1_999, 2_000, 1e9].map((t) => schedule.cipherAt(t).currentVersion)).toEqual([1, 1, 2, 2, 3, 3]);
    const sealedByV3 = schedule.cipherAt(5_000).encrypt('30301', binding);
    // Before v3 is current, what it sealed already opens: readers hold a version before anyone writes with it.
    expect(schedule.cipherAt(0).decrypt(sealedByV3, binding)).toBe('30301');
    expect(schedule.versions).toEqual([1, 2, 3]);
    expect(schedule.latestVersion).toBe(3);
    expect(schedule.latestActivatesAtMs).toBe(2_000);
  });

  it('a retired version decrypts but never encrypts, even when it is the highest', () => {
    const schedule = new DataKeySchedule([key(1, 0), key(2, 0, false)]);
    expect(schedule.cipherAt(10).currentVersion).toBe(1);
    expect(() => new DataKeySchedule([key(1, 0, false)])).toThrow(RangeError);
  });

  it('the earliest key is current from the start, even before its own activation (something must encrypt)', () => {
    const schedule = new DataKeySchedule([key(1, 500)]);
    expect(schedule.cipherAt(0).currentVersion).toBe(1);
    expect(schedule.latestActivatesAtMs).toBe(-Infinity);
  });

  it('the current version never goes down as time passes, whatever the activation order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 8, maxLength: 8 }), (versions, times) => {
        const schedule = new DataKeySchedule(versions.map((version, i) => key(version, times[i])));
        let previous = 0;
        for (let t = -1500; t <= 1500; t += 50) {
          const current = schedule.cipherAt(t).currentVersion;
          expect(current).toBeGreaterThanOrEqual(previous);
          previous = current;
        }
        expect(previous).toBe(Math.max(...versions));
      }),
    );
  });
});
