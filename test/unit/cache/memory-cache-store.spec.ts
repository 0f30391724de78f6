import { describe, expect, it } from 'vitest';
import { TOMBSTONE } from '../../../src/cache/cache-store.js';
import { MemoryCacheStore } from '../../../src/cache/memory-cache-store.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('MemoryCacheStore', () => {
  it('fills only absent keys: a live entry or a tombstone wins over a later fill', async () => {
    const store = new MemoryCacheStore();
    await store.addIfAbsent([{ key: 'a', value: 'first' }], 60);
    await store.addIfAbsent([{ key: 'a', value: 'second' }], 60);
    await store.tombstone(['b'], 30);
    await store.addIfAbsent([{ key: 'b', value: 'stale' }], 60);
    expect(await store.getMany(['a', 'b', 'c'])).toEqual(['first', TOMBSTONE, null]);
  });

  it('a tombstone overwrites an entry, and expires', async () => {
    const time = clock();
    const store = new MemoryCacheStore(100, time.now);
    await store.addIfAbsent([{ key: 'a', value: 'old' }], 300);
    await store.tombstone(['a'], 30);
    expect(await store.getMany(['a'])).toEqual([TOMBSTONE]);
    time.advance(30_001);
    expect(await store.getMany(['a'])).toEqual([null]);
    await store.addIfAbsent([{ key: 'a', value: 'new' }], 300);
    expect(await store.getMany(['a'])).toEqual(['new']);
  });

  it('stays within its bound, dropping the oldest first', async () => {
    const store = new MemoryCacheStore(3);
    for (const key of ['a', 'b', 'c', 'd']) await store.addIfAbsent([{ key, value: key }], 60);
    expect(await store.getMany(['a', 'b', 'c', 'd'])).toEqual([null, 'b', 'c', 'd']);
    await store.clear();
    expect(await store.getMany(['b', 'c', 'd'])).toEqual([null, null, null]);
  });
});
