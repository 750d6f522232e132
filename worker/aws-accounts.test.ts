// The hub worker's AWS accounts against the simulator's organisation: the real STS AssumeRole into each member
// account, on first use only, cached, assumed again when AWS says the session expired, and refused with the file
// and line to fix when the member role will not trust the hub.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createAwsActivities } from '../activities/aws.js';
import { ApplicationFailure } from '@temporalio/common';
import { loadTopologyFile } from '../connect/topology-file.js';
import { organisationSeeds, startAwsSimulator, type AwsSimulator } from '../simulators/aws/index.js';
import { createAwsAccounts } from './aws-accounts.js';

const RESPONDER = { accessKeyId: 'AKIARSPNDR7EXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYRESPONDER1' };
const HUB = '123456789012';
const WORKLOADS = '210987654321';
const LEGACY = '345678901234';

const topologyYaml = (legacyExternalId = 'legacy-responder', more = '') => `version: 1
aws:
  roleName: RevokerResponder
  externalId: revoker-sandbox
  accounts:
    - id: '${HUB}'
      access: direct
    - id: '${WORKLOADS}'
      name: acme-workloads
    - id: '${LEGACY}'
      name: acme-legacy
      roleName: LegacyResponder
      externalId: ${legacyExternalId}
${more}`;

/** The activity's failure as Temporal sees it: its type, and whether a retry may help. */
function failure(error: unknown, type: string, nonRetryable: boolean): error is ApplicationFailure {
  assert.ok(error instanceof ApplicationFailure, String(error));
  assert.equal(error.type, type, error.message);
  assert.equal(error.nonRetryable, nonRetryable, error.message);
  return true;
}

describe('AWS accounts: the hub assumes the responder role in each member account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-aws-accounts-'));
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator({ accounts: organisationSeeds() });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  const accountsFrom = (yaml: string) => {
    const path = join(dir, `topology-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, yaml);
    const file = loadTopologyFile(path);
    return { path, accounts: createAwsAccounts({ endpoint: sim.endpoint, credentials: RESPONDER, topology: file }) };
  };
  const assumed = (account: string) => sim.mutations(account).counts['AssumeRole'] ?? 0;

  it('acts in each listed account with that account’s session, assuming each role once and only when used', async () => {
    const { accounts } = accountsFrom(topologyYaml());
    assert.equal(sim.mutations('all').log.length, 0, 'listing accounts assumes nothing');
    const aws = createAwsActivities(accounts);
    const bob = await aws.denyAwsUserSessions({ accountId: WORKLOADS, userName: 'bob' });
    assert.equal(bob.outcome, 'done');
    const carol = await aws.deactivateAwsAccessKey({
      accountId: LEGACY,
      userName: 'carol',
      accessKeyId: 'AKIACAROL7EXAMPLE01A',
    });
    assert.equal(carol.outcome, 'done');
    assert.equal((await aws.verifyAwsUserDenied({ accountId: WORKLOADS, userName: 'bob' })).ok, true);
    assert.deepEqual(
      [assumed(WORKLOADS), assumed(LEGACY)],
      [1, 1],
      'one AssumeRole per account, then the cached session',
    );
    // The doctor's STS and IAM calls share the account's session with the activities.
    const checks = await aws.checkAwsAccess();
    assert.deepEqual(
      checks.map((c) => [c.id, c.reachable, c.missing]),
      [HUB, WORKLOADS, LEGACY].map((id) => [id, true, []]),
    );
    assert.deepEqual([assumed(WORKLOADS), assumed(LEGACY)], [1, 1], 'the doctor reused each session');
    assert.deepEqual(Object.keys(sim.userPolicies('bob', WORKLOADS)), ['WorkloadData', 'RevokerContainment']);
    assert.equal(sim.accessKey('AKIACAROL7EXAMPLE01A')?.status, 'Inactive');
    assert.deepEqual(sim.mutations(HUB).counts, {}, 'nothing changed in the hub');
    // The hub's own account, listed as direct, uses the worker's credentials as they are.
    const alice = await aws.discoverAwsPrincipal({ type: 'aws.user', accountId: HUB, userName: 'alice' });
    assert.equal(alice.type, 'aws.user');
    assert.equal(assumed(HUB), 0);
  });

  it('a member role that does not trust this ExternalId is refused, naming the role, the file and the line', async () => {
    const { path, accounts } = accountsFrom(topologyYaml('not-the-one'));
    const error = await createAwsActivities(accounts)
      .denyAwsUserSessions({ accountId: LEGACY, userName: 'carol' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(failure(error, 'PermissionDeniedError', true));
    assert.match(error.message, /cannot assume arn:aws:iam::345678901234:role\/LegacyResponder/);
    assert.ok(error.message.includes(`${path} line 10`), error.message);
    assert.match(error.message, /sts:ExternalId "not-the-one"/);
    assert.deepEqual(sim.mutations(LEGACY).counts, {});
  });

  it('a throttled AssumeRole is a retryable ThrottledError naming the role; the next attempt assumes it', async () => {
    const { accounts } = accountsFrom(topologyYaml());
    sim.injectFault({ account: HUB, action: 'AssumeRole', code: 'Throttling' });
    const aws = createAwsActivities(accounts);
    const first = await aws.denyAwsUserSessions({ accountId: WORKLOADS, userName: 'bob' }).catch((e: unknown) => e);
    assert.ok(failure(first, 'ThrottledError', false));
    assert.match(first.message, /throttled AssumeRole into arn:aws:iam::210987654321:role\/RevokerResponder/);
    assert.equal((await aws.denyAwsUserSessions({ accountId: WORKLOADS, userName: 'bob' })).outcome, 'done');
  });

  it('a cached session AWS reports expired is dropped: the retry assumes the role again', async () => {
    const { accounts } = accountsFrom(topologyYaml());
    const aws = createAwsActivities(accounts);
    await aws.discoverAwsPrincipal({ type: 'aws.user', accountId: WORKLOADS, userName: 'bob' });
    assert.equal(sim.expireSessions(WORKLOADS), 1);
    const refused = await aws.denyAwsUserSessions({ accountId: WORKLOADS, userName: 'bob' }).catch((e: unknown) => e);
    assert.ok(failure(refused, 'ProviderUnavailableError', false));
    assert.match(refused.message, /session Revoker assumed in AWS account 210987654321 expired/);
    assert.equal((await aws.denyAwsUserSessions({ accountId: WORKLOADS, userName: 'bob' })).outcome, 'done');
    assert.equal(assumed(WORKLOADS), 2);
  });

  it('100 listed accounts cost nothing until one is named', async () => {
    const many = Array.from({ length: 97 }, (_, i) => `    - id: '${String(500000000000 + i)}'\n`).join('');
    const { accounts } = accountsFrom(topologyYaml('legacy-responder', many));
    assert.equal((await accounts.listed()).length, 100);
    assert.equal(sim.mutations('all').log.length, 0);
  });
});
