import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotTable } from '../../../src/common/collections/slot-table.js';

describe('SlotTable', () => {
  it('holds values until their slot is released', () => {
    const table = new SlotTable<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 2 };
    const slotA = table.hold(a);
    table.hold(b);
    table.release(slotA);
    expect([...table.values()]).toEqual([b]);
    expect(table.size).toBe(1);
  });

  it('reuses released slots, so the array grows only to the most values held at once', () => {
    const table = new SlotTable<{ id: number }>();
    const slots = new Set<number>();
    for (let round = 0; round < 100; round += 1) {
      const held = [table.hold({ id: round }), table.hold({ id: round + 0.5 })];
      held.forEach((slot) => slots.add(slot));
      held.forEach((slot) => table.release(slot));
    }
    expect(slots).toEqual(new Set([0, 1]));
    expect(table.size).toBe(0);
  });

  it('ignores a release of a slot that is not held, even twice', () => {
    const table = new SlotTable<{ id: number }>();
    const slot = table.hold({ id: 1 });
    table.release(slot);
    table.release(slot);
    table.release(7);
    const next = table.hold({ id: 2 });
    const other = table.hold({ id: 3 });
    expect(next).not.toBe(other);
    expect(table.size).toBe(2);
  });

  it('holds exactly what a Set would, whatever the order of holds and releases', () => {
    const step = fc.oneof(fc.record({ hold: fc.constant(true) }), fc.record({ release: fc.nat(20) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const table = new SlotTable<{ id: number }>();
        const model = new Set<{ id: number }>();
        const slotted: { slot: number; value: { id: number } }[] = [];
        steps.forEach((s, id) => {
          if ('hold' in s) {
            const value = { id };
            slotted.push({ slot: table.hold(value), value });
            model.add(value);
          } else if (slotted.length > 0) {
            const [gone] = slotted.splice(s.release % slotted.length, 1);
            table.release(gone.slot);
            model.delete(gone.value);
          }
        });
        expect(new Set(table.values())).toEqual(model);
        expect(table.size).toBe(model.size);
      }),
    );
  });
});
