import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { ENTRA_SANDBOX } from '../simulators/entra/index.js';
import { loadPolicy, loadSeeds, toAlert } from './inputs.js';

const guardduty = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../client/sources/fixtures/guardduty/${name}.json`, import.meta.url), 'utf8'));

describe('sandbox inputs', () => {
  it("takes each cloud's seed inline, from a path or a file URL, and the repo's fixture for the rest", () => {
    const aws = { accountId: '111122223333', users: [], roles: [] };
    const seeds = loadSeeds({ aws, gcp: new URL('../simulators/gcp/fixtures/sandbox.json', import.meta.url) });
    assert.equal(seeds.aws, aws);
    assert.equal(seeds.gcp.projectId, 'acme-prod');
    assert.equal(seeds.entra.tenant.id, ENTRA_SANDBOX.tenantId);
  });

  it('fills in a policy given inline, and names the field of an invalid one', () => {
    assert.equal(loadPolicy(undefined), DEFAULT_POLICY);
    assert.equal(loadPolicy({ version: 1 }).releaseWindow, '24h');
    assert.throws(
      () => loadPolicy({ version: 1, actions: { 'aws.deleteAccessKey': 'auto' } }),
      /the policy is invalid: actions.aws.deleteAccessKey: aws.deleteAccessKey is destructive/,
    );
  });

  it('maps a native payload as its webhook route does, and refuses what the route refuses', () => {
    const alert = toAlert(guardduty('iam-user-access-key'), 'guardduty');
    assert.equal(alert.source, 'guardduty');
    assert.ok(alert.principals.some((p) => p.type === 'aws.accessKey' || p.type === 'aws.user'));
    assert.throws(
      () => toAlert(guardduty('root-credential-usage'), 'guardduty'),
      /^Error: Amazon GuardDuty: cannot map/,
    );
    assert.throws(() => toAlert({}, 'guardduty'), /not a Amazon GuardDuty alert: /);
    assert.throws(() => toAlert({ source: 'x' }), /not a Revoker generic JSON alert: .*principals/);
    assert.throws(() => toAlert({}, 'qradar'), /no alert source "qradar": use one of generic, guardduty/);
  });
});
