import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, then says how long to wait, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 3, perSecond: 0.5 }, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [undefined, undefined, undefined]);
    assert.equal(bucket.take(), 2, 'one token comes back every 2 s');
    now += 2_000;
    assert.equal(bucket.take(), undefined);
    assert.equal(bucket.take(), 2);
    now += 60_000;
    assert.deepEqual(
      [bucket.take(), bucket.take(), bucket.take(), bucket.take()],
      [undefined, undefined, undefined, 2],
    );
  });

  it('refuses a limit that would never let anything through', () => {
    assert.throws(() => new TokenBucket({ burst: 0, perSecond: 1 }), /burst ≥ 1/);
  });
});
