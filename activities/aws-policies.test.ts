import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { denyAllPolicy, isDenyAllPolicy, revokedBefore, revokeOlderSessionsPolicy } from './aws-policies.js';

describe('AWS containment policies', () => {
  it('recognises the deny-all policy, and not a conditional or partial deny', () => {
    assert.equal(isDenyAllPolicy(denyAllPolicy()), true);
    assert.equal(isDenyAllPolicy(revokeOlderSessionsPolicy('2026-11-23T10:00:00.000Z')), false);
    assert.equal(isDenyAllPolicy({ Statement: { Effect: 'Deny', Action: 's3:*', Resource: '*' } }), false);
    assert.equal(isDenyAllPolicy(undefined), false);
  });

  it('reads the latest TokenIssueTime cut-off of a revocation policy', () => {
    assert.equal(revokedBefore(revokeOlderSessionsPolicy('2026-11-23T10:00:00.000Z')), '2026-11-23T10:00:00.000Z');
    const twice = {
      Statement: [
        ...revokeOlderSessionsPolicy('2026-01-01T00:00:00Z').Statement,
        ...revokeOlderSessionsPolicy('2026-06-01T00:00:00Z').Statement,
      ],
    };
    assert.equal(revokedBefore(twice), '2026-06-01T00:00:00.000Z');
    assert.equal(revokedBefore(denyAllPolicy()), undefined);
    assert.equal(revokedBefore({ nonsense: true }), undefined);
  });
});
