import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FaultModes, faultModesSchema } from './fault-modes.js';

describe('FaultModes', () => {
  it('shows changes to reads in the order they were made, each once its delay has passed', async () => {
    const modes = new FaultModes();
    modes.set({ propagationMs: 100 });
    let current = { step: 0 };
    modes.changed(structuredClone(current));
    current = { step: 1 };
    await sleep(50);
    modes.changed(structuredClone(current));
    current = { step: 2 };
    assert.equal(modes.view(current).step, 0, 'neither change is visible yet');
    await sleep(70);
    assert.equal(modes.view(current).step, 1, 'the first change is visible, the second not yet');
    await sleep(60);
    assert.equal(modes.view(current), current, 'both are visible');
  });

  it('keeps no copies when nothing propagates slowly', () => {
    const modes = new FaultModes();
    const current = { step: 1 };
    modes.changed({ step: 0 });
    assert.equal(modes.propagating, false);
    assert.equal(modes.view(current), current);
  });

  it('draws the same faults from the same seed, at about the rate, and never a lost write for a read', () => {
    const draws = (seed: number, mutating: boolean) => {
      const modes = new FaultModes();
      modes.set({ random: { rate: 0.3, seed } });
      return Array.from({ length: 2_000 }, () => modes.draw(mutating) ?? 'none');
    };
    assert.deepEqual(draws(5, true), draws(5, true));
    assert.notDeepEqual(draws(5, true), draws(6, true));
    const writes = draws(5, true);
    const share = writes.filter((d) => d !== 'none').length / writes.length;
    assert.ok(share > 0.25 && share < 0.35, `share ${share}`);
    for (const kind of ['throttle', 'unavailable', 'latency', 'lostWrite', 'lostResponse'] as const) {
      assert.ok(writes.includes(kind), `${kind} drawn for writes`);
    }
    const reads = draws(5, false);
    assert.equal(reads.filter((d) => d === 'lostWrite' || d === 'lostResponse').length, 0);
  });

  it('refuses a mode with unknown keys or out of range, and clear ends every mode', () => {
    assert.equal(faultModesSchema.safeParse({ propagationMs: 10, extra: 1 }).success, false);
    assert.equal(faultModesSchema.safeParse({ random: { rate: 1.5, seed: 1 } }).success, false);
    const modes = new FaultModes();
    modes.set({ propagationMs: 50, random: { rate: 1, seed: 1 } });
    modes.clear();
    assert.deepEqual(modes.describe().random, null);
    assert.equal(modes.describe().propagationMs, 0);
    assert.equal(modes.draw(true), undefined);
  });
});
