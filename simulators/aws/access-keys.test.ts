import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { DEFAULT_SEED_PATH, loadAwsSeed, startAwsSimulator, type AwsSeed, type AwsSimulator } from './index.js';
import { ALICE, ALICE_SECOND, awsError, iamClient, RESPONDER, stsClient } from './test-support.js';

/** The sandbox seed with the responder's inline policies replaced. */
function withResponderPolicy(seed: AwsSeed, statement: Record<string, unknown>): AwsSeed {
  return {
    ...seed,
    users: seed.users.map((u) =>
      u.userName === 'revoker-responder'
        ? { ...u, inlinePolicies: { Test: { Version: '2012-10-17', Statement: [statement] } } }
        : u,
    ),
  };
}

describe('IAM access keys', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('lists, deactivates and deletes keys, counting each change exactly once', async () => {
    const iam = iamClient(sim, RESPONDER);
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.deepEqual(
      listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status, k.UserName]),
      [
        [ALICE.accessKeyId, 'Active', 'alice'],
        [ALICE_SECOND.accessKeyId, 'Active', 'alice'],
      ],
    );
    assert.equal(listed.IsTruncated, false);
    assert.equal(listed.AccessKeyMetadata?.[0]?.CreateDate?.toISOString(), '2025-03-02T10:20:00.000Z');

    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
    const after = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.equal(after.AccessKeyMetadata?.find((k) => k.AccessKeyId === ALICE.accessKeyId)?.Status, 'Inactive');

    await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId }));
    assert.equal(sim.accessKey(ALICE.accessKeyId), undefined);
    const remaining = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.deepEqual(
      remaining.AccessKeyMetadata?.map((k) => k.AccessKeyId),
      [ALICE_SECOND.accessKeyId],
    );

    const { counts, log } = sim.mutations();
    assert.deepEqual(counts, { UpdateAccessKey: 1, DeleteAccessKey: 1 });
    assert.deepEqual(
      log.map((e) => [e.action, e.target, e.detail]),
      [
        ['UpdateAccessKey', ALICE.accessKeyId, 'Inactive'],
        ['DeleteAccessKey', ALICE.accessKeyId, undefined],
      ],
    );
    assert.match(log[0]?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('reports a missing user as NoSuchEntityException with HTTP 404 and AWS wording', async () => {
    const iam = iamClient(sim, RESPONDER);
    await assert.rejects(
      iam.send(new ListAccessKeysCommand({ UserName: 'nobody' })),
      awsError('NoSuchEntityException', 404, /^The user with name nobody cannot be found\.$/),
    );
    await assert.rejects(
      iam.send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', Status: 'Inactive' }),
      ),
      awsError('NoSuchEntityException', 404, /^The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found\.$/),
    );
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('a key named with the wrong user is not found', async () => {
    await assert.rejects(
      iamClient(sim, RESPONDER).send(
        new DeleteAccessKeyCommand({ UserName: 'ci-deployer', AccessKeyId: ALICE.accessKeyId }),
      ),
      awsError('NoSuchEntityException', 404),
    );
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');
  });

  it('injects Throttling before any state change and recovers after the given number of calls', async () => {
    const iam = iamClient(sim, RESPONDER);
    sim.injectFault({ action: 'UpdateAccessKey', code: 'Throttling', times: 2 });
    const update = () =>
      iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }));
    for (let i = 0; i < 2; i++) await assert.rejects(update(), awsError('Throttling', 400, /^Rate exceeded$/));
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active', 'faulted calls change nothing');
    assert.deepEqual(sim.mutations().counts, {}, 'faulted calls are not counted');
    // Other actions are unaffected by a fault aimed at UpdateAccessKey.
    await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    await update();
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
    assert.deepEqual(sim.mutations().counts, { UpdateAccessKey: 1 });
  });

  it('lets the SDK retry through transient faults (default retry strategy)', async () => {
    sim.injectFault({ action: 'iam:ListAccessKeys', code: 'ServiceFailure', times: 1 });
    const retrying = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: RESPONDER });
    const result = await retrying.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.equal(result.$metadata.attempts, 2);
  });

  it('supports latency-only faults', async () => {
    sim.injectFault({ action: 'GetUser', latencyMs: 150 });
    const started = Date.now();
    const user = await iamClient(sim, RESPONDER).send(new GetUserCommand({ UserName: 'alice' }));
    assert.ok(Date.now() - started >= 140, 'the response was delayed');
    assert.equal(user.User?.Arn, 'arn:aws:iam::123456789012:user/alice');
  });

  it('drops a latency-held change whose client hung up before it landed, and commits one whose client waited', async () => {
    const iam = iamClient(sim, RESPONDER);
    const deactivate = new UpdateAccessKeyCommand({
      UserName: 'alice',
      AccessKeyId: ALICE.accessKeyId,
      Status: 'Inactive',
    });
    await iam.send(new ListAccessKeysCommand({ UserName: 'alice' })); // warm: the call below reaches the wire at once
    sim.injectFault({ action: 'UpdateAccessKey', latencyMs: 500 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(iam.send(deactivate, { abortSignal: abort.signal }));
    const pending = (await (await fetch(`${sim.endpoint}/_sim/faults`)).json()) as unknown[];
    assert.deepEqual(pending, [], 'the call reached the simulator and took the fault');
    await sleep(500); // past the held latency: the request would have landed by now
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');
    assert.deepEqual(sim.mutations().counts, {});

    sim.injectFault({ action: 'UpdateAccessKey', latencyMs: 300 });
    await iam.send(deactivate);
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
    assert.deepEqual(sim.mutations().counts, { UpdateAccessKey: 1 });
  });

  it('defaults UserName to the calling user, as AWS does', async () => {
    const iam = iamClient(sim, ALICE);
    const me = await iam.send(new GetUserCommand({}));
    assert.equal(me.User?.UserName, 'alice');
    const mine = await iam.send(new ListAccessKeysCommand({}));
    assert.equal(mine.AccessKeyMetadata?.length, 2);
  });

  it('enforces the two-keys-per-user quota and returns the secret only on creation', async () => {
    await assert.rejects(
      iamClient(sim, RESPONDER).send(new CreateAccessKeyCommand({ UserName: 'alice' })),
      // The responder policy is least-privilege and has no iam:CreateAccessKey.
      awsError(
        'AccessDenied',
        403,
        /iam:CreateAccessKey on resource: user alice because no identity-based policy allows/,
      ),
    );
    const admin = await startAwsSimulator({
      seed: withResponderPolicy(loadAwsSeed(DEFAULT_SEED_PATH), { Effect: 'Allow', Action: 'iam:*', Resource: '*' }),
    });
    try {
      const adminIam = iamClient(admin, RESPONDER);
      await assert.rejects(
        adminIam.send(new CreateAccessKeyCommand({ UserName: 'alice' })),
        awsError('LimitExceededException', 409, /^Cannot exceed quota for AccessKeysPerUser: 2$/),
      );
      const created = await adminIam.send(new CreateAccessKeyCommand({ UserName: 'ci-deployer' }));
      assert.match(created.AccessKey?.AccessKeyId ?? '', /^AKIA[A-Z0-9]{16}$/);
      assert.equal(created.AccessKey?.SecretAccessKey?.length, 40);
      assert.equal(created.AccessKey?.Status, 'Active');
      const newKey = {
        accessKeyId: created.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
      };
      const who = await stsClient(admin, newKey).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, 'arn:aws:iam::123456789012:user/ci-deployer', 'the new key works');
      assert.deepEqual(admin.mutations().counts, { CreateAccessKey: 1 });
    } finally {
      await admin.close();
    }
  });

  it('records last use per key and reports never-used keys as N/A', async () => {
    const iam = iamClient(sim, RESPONDER);
    const unused = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ALICE_SECOND.accessKeyId }));
    assert.equal(unused.UserName, 'alice');
    assert.deepEqual(
      { ...unused.AccessKeyLastUsed },
      { ServiceName: 'N/A', Region: 'N/A' },
      'no LastUsedDate for a key that never signed a request',
    );
    const seeded = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ALICE.accessKeyId }));
    assert.equal(seeded.AccessKeyLastUsed?.LastUsedDate?.toISOString(), '2026-11-23T12:41:07.000Z');

    const before = Date.now() - 1000;
    await stsClient(sim, ALICE_SECOND).send(new GetCallerIdentityCommand({}));
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ALICE_SECOND.accessKeyId }));
    assert.equal(used.AccessKeyLastUsed?.ServiceName, 'sts');
    assert.equal(used.AccessKeyLastUsed?.Region, 'us-east-1');
    assert.ok((used.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? 0) >= before);
  });

  it('paginates with MaxItems and Marker', async () => {
    sim.reset(
      withResponderPolicy(loadAwsSeed(DEFAULT_SEED_PATH), { Effect: 'Allow', Action: 'iam:List*', Resource: '*' }),
    );
    const iam = iamClient(sim, RESPONDER);
    const first = await iam.send(new ListUsersCommand({ MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    assert.equal(first.Users?.length, 2);
    const second = await iam.send(new ListUsersCommand({ MaxItems: 2, Marker: first.Marker }));
    assert.equal(second.IsTruncated, false);
    assert.deepEqual(
      [...(first.Users ?? []), ...(second.Users ?? [])].map((u) => u.UserName),
      ['revoker-responder', 'alice', 'ci-deployer'],
    );
  });
});
