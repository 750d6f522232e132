import { GetUserCommand, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadAwsSeed, organisationSeeds, startAwsSimulator, DEFAULT_SEED_PATH, type AwsSimulator } from './index.js';
import { awsError, DENY_ALL, iamClient, RESPONDER, sessionCredentials, stsClient } from './test-support.js';

const HUB = '123456789012';
const WORKLOADS = '210987654321';
const LEGACY = '345678901234';
const WORKLOADS_ROLE = `arn:aws:iam::${WORKLOADS}:role/RevokerResponder`;
const LEGACY_ROLE = `arn:aws:iam::${LEGACY}:role/LegacyResponder`;
const BOB = { accessKeyId: 'AKIABOB0007EXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYBOBKEY0001' };

describe('AWS simulator: an organisation of accounts with cross-account AssumeRole', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator({ accounts: organisationSeeds() });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const assume = (RoleArn: string, ExternalId?: string, credentials = RESPONDER) =>
    stsClient(sim, credentials).send(
      new AssumeRoleCommand({ RoleArn, RoleSessionName: 'revoker-test', ...(ExternalId ? { ExternalId } : {}) }),
    );

  it('serves every account on one endpoint; a key names its own', async () => {
    assert.deepEqual(sim.accountIds, [HUB, WORKLOADS, LEGACY]);
    const health = (await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { accountIds: string[] };
    assert.deepEqual(health.accountIds, [HUB, WORKLOADS, LEGACY]);
    const bob = await stsClient(sim, BOB).send(new GetCallerIdentityCommand({}));
    assert.equal(bob.Account, WORKLOADS);
    assert.equal(bob.Arn, `arn:aws:iam::${WORKLOADS}:user/bob`);
    assert.equal(sim.accessKey(BOB.accessKeyId)?.accountId, WORKLOADS);
  });

  it('the hub assumes the member role with the ExternalId and acts in that account only', async () => {
    const answer = await assume(WORKLOADS_ROLE, 'revoker-sandbox');
    assert.equal(answer.AssumedRoleUser?.Arn, `arn:aws:sts::${WORKLOADS}:assumed-role/RevokerResponder/revoker-test`);
    const member = sessionCredentials(answer.Credentials);
    assert.equal((await stsClient(sim, member).send(new GetCallerIdentityCommand({}))).Account, WORKLOADS);
    const keys = await iamClient(sim, member).send(new ListAccessKeysCommand({ UserName: 'bob' }));
    assert.deepEqual(
      keys.AccessKeyMetadata?.map((k) => k.AccessKeyId),
      [BOB.accessKeyId],
    );
    // The hub's user alice is not in the member account.
    await assert.rejects(
      iamClient(sim, member).send(new GetUserCommand({ UserName: 'alice' })),
      awsError('NoSuchEntityException', 404),
    );
    await iamClient(sim, member).send(
      new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'RevokerContainment', PolicyDocument: DENY_ALL }),
    );
    assert.deepEqual(Object.keys(sim.userPolicies('bob', WORKLOADS)), ['WorkloadData', 'RevokerContainment']);
    assert.deepEqual(sim.mutations(WORKLOADS).counts, { AssumeRole: 1, PutUserPolicy: 1 });
    assert.deepEqual(sim.mutations().counts, {}, 'nothing changed in the hub');
    assert.equal(sim.mutations('all').log.length, 2);
  });

  it('refuses the member role without the ExternalId, or with another one, as AWS does', async () => {
    for (const externalId of [undefined, 'revoker-other']) {
      await assert.rejects(
        assume(WORKLOADS_ROLE, externalId),
        awsError(
          'AccessDenied',
          403,
          /user\/revoker-responder is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role\/RevokerResponder/,
        ),
      );
    }
    await assert.rejects(assume(WORKLOADS_ROLE, 'x'), awsError('ValidationError', 400, /externalId/));
    assert.deepEqual(sim.mutations('all').counts, {});
  });

  it('a role name the member account does not have is refused like an untrusting one', async () => {
    await assert.rejects(
      assume(`arn:aws:iam::${LEGACY}:role/RevokerResponder`, 'revoker-sandbox'),
      awsError('AccessDenied', 403),
    );
    const legacy = await assume(LEGACY_ROLE, 'legacy-responder');
    assert.match(legacy.AssumedRoleUser?.Arn ?? '', /^arn:aws:sts::345678901234:assumed-role\/LegacyResponder\//);
    await assert.rejects(
      assume(`arn:aws:iam::999999999999:role/RevokerResponder`, 'revoker-sandbox'),
      awsError('AccessDenied', 403),
    );
  });

  it('across accounts the caller’s own policy must allow sts:AssumeRole, however directly it is trusted', async () => {
    const hub = loadAwsSeed(DEFAULT_SEED_PATH);
    const responder = hub.users.find((u) => u.userName === 'revoker-responder');
    delete responder?.inlinePolicies?.['RevokerHub'];
    sim.reset(hub);
    await assert.rejects(assume(WORKLOADS_ROLE, 'revoker-sandbox'), awsError('AccessDenied', 403));
    // A member's user with sts:* is not trusted by the hub's roles.
    await assert.rejects(assume(`arn:aws:iam::${HUB}:role/deploy`, undefined, BOB), awsError('AccessDenied', 403));
  });

  it('expireSessions ends the assumed session: the next call is ExpiredToken', async () => {
    const member = sessionCredentials((await assume(WORKLOADS_ROLE, 'revoker-sandbox')).Credentials);
    assert.equal(sim.expireSessions(HUB), 0, 'the hub has no session');
    assert.equal(sim.expireSessions(WORKLOADS), 1);
    await assert.rejects(
      iamClient(sim, member).send(new ListAccessKeysCommand({ UserName: 'bob' })),
      awsError('ExpiredToken', 400),
    );
  });

  it('a fault for one account hits only calls made in it; AssumeRole is made in the hub', async () => {
    sim.injectFault({ account: HUB, action: 'AssumeRole', code: 'Throttling' });
    await assert.rejects(assume(WORKLOADS_ROLE, 'revoker-sandbox'), awsError('Throttling', 400));
    const member = sessionCredentials((await assume(WORKLOADS_ROLE, 'revoker-sandbox')).Credentials);
    sim.injectFault({ account: LEGACY, action: 'ListAccessKeys', code: 'ServiceUnavailable' });
    await iamClient(sim, member).send(new ListAccessKeysCommand({ UserName: 'bob' }));
    assert.equal(sim.faultModes().random, null);
    const pending = (await (await fetch(`${sim.endpoint}/_sim/faults`)).json()) as unknown[];
    assert.equal(pending.length, 1, 'the legacy fault waits');
  });

  it('refuses two accounts that share an access key id', async () => {
    const [workloads] = organisationSeeds();
    const copy = structuredClone(workloads!);
    copy.accountId = '456789012345';
    await assert.rejects(
      startAwsSimulator({ accounts: [workloads!, copy] }),
      /access key AKIABOB0007EXAMPLE01 is in accounts 210987654321 and 456789012345/,
    );
  });
});

describe('AWS simulator: the organisation survives a restart', () => {
  it('keeps every account and the sessions issued in them, and seeds a member added later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-org-'));
    const stateFile = join(dir, 'state.json');
    try {
      const [workloads, legacy] = organisationSeeds();
      let sim = await startAwsSimulator({ stateFile, accounts: [workloads!] });
      const answer = await stsClient(sim, RESPONDER).send(
        new AssumeRoleCommand({ RoleArn: WORKLOADS_ROLE, RoleSessionName: 'before', ExternalId: 'revoker-sandbox' }),
      );
      await sim.close();
      sim = await startAwsSimulator({ stateFile, accounts: [workloads!, legacy!] });
      try {
        assert.deepEqual(sim.accountIds, [HUB, WORKLOADS, LEGACY]);
        const member = sessionCredentials(answer.Credentials);
        assert.equal((await stsClient(sim, member).send(new GetCallerIdentityCommand({}))).Account, WORKLOADS);
      } finally {
        await sim.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
