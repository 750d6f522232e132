// The AWS sweep against the sandbox's CloudTrail, as Stratus Red Team's aws.persistence.iam-backdoor-user and
// aws.persistence.sts-federation-token leave it: the stolen key plants a user with a key and a console password,
// and mints a federation token; the backdoor key is then used. The real CloudTrailClient and IAM/STS clients.
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DEFAULT_SEED_PATH,
  loadAwsSeed,
  startAwsSimulator,
  type AwsSeed,
  type AwsSimulator,
} from '../simulators/aws/index.js';
import { ALICE, backdoorSeed, CI_DEPLOYER, iamClient, RESPONDER, stsClient } from '../simulators/aws/test-support.js';
import { readAwsTrail, watchAwsTrail } from './aws-trail.js';
import { PermissionDeniedError } from './errors.js';

const ACCOUNT = '123456789012';

const trail = (sim: AwsSimulator, credentials = RESPONDER) =>
  new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

describe('the AWS sweep (CloudTrail)', () => {
  let sim: AwsSimulator;
  let seed: AwsSeed;
  before(async () => {
    seed = backdoorSeed(loadAwsSeed(DEFAULT_SEED_PATH));
    sim = await startAwsSimulator({ seed });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset(seed));

  /** The attacker's moves with alice's stolen key; returns what it planted. */
  async function detonate() {
    const since = new Date(Date.now() - 1000).toISOString();
    const iam = iamClient(sim, ALICE);
    await iam.send(new GetUserCommand({}));
    await iam.send(new CreateUserCommand({ UserName: 'backdoor' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'backdoor' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'backdoor', Password: 'Correct-Horse-9' }));
    const federated = await stsClient(sim, ALICE).send(
      new GetFederationTokenCommand({
        Name: 'persist',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
      }),
    );
    // The backdoor key in use (it has no policy yet: refused, and still on the record).
    const backdoorKey = {
      accessKeyId: key.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
    };
    await assert.rejects(iamClient(sim, backdoorKey).send(new GetUserCommand({ UserName: 'alice' })), /AccessDenied/);
    // Noise: others' calls in the same window.
    await iamClient(sim, CI_DEPLOYER)
      .send(new GetUserCommand({}))
      .catch(() => undefined);
    await iamClient(sim, RESPONDER).send(new GetUserCommand({ UserName: 'alice' }));
    const session = {
      accessKeyId: federated.Credentials?.AccessKeyId ?? '',
      secretAccessKey: federated.Credentials?.SecretAccessKey ?? '',
      sessionToken: federated.Credentials?.SessionToken ?? '',
    };
    return { since, backdoorKeyId: backdoorKey.accessKeyId, sessionKeyId: session.accessKeyId, session };
  }

  it('finds the backdoor user, its key and console password, and the federation token, and follows the backdoor key', async () => {
    const { since, backdoorKeyId, sessionKeyId } = await detonate();
    const sweep = await readAwsTrail(trail(sim), {
      accountId: ACCOUNT,
      accessKeyIds: [ALICE.accessKeyId],
      userNames: [],
      since,
    });
    assert.deepEqual(
      sweep.findings.map((f) => [f.kind, f.userName, f.accessKeyId]),
      [
        ['aws.user', 'backdoor', undefined],
        ['aws.access-key', 'backdoor', backdoorKeyId],
        ['aws.login-profile', 'backdoor', undefined],
        ['aws.session', 'alice', sessionKeyId],
      ],
    );
    // The timeline: alice's calls, oldest first, then the backdoor key's refused one; nobody else's.
    assert.deepEqual(
      sweep.timeline.map((e) => [e.action, e.by, e.error]),
      [
        ['GetUser', ALICE.accessKeyId, undefined],
        ['CreateUser', ALICE.accessKeyId, undefined],
        ['CreateAccessKey', ALICE.accessKeyId, undefined],
        ['CreateLoginProfile', ALICE.accessKeyId, undefined],
        ['GetFederationToken', ALICE.accessKeyId, undefined],
        ['GetUser', backdoorKeyId, 'AccessDenied'],
      ],
    );
    assert.ok(
      !JSON.stringify(sweep).includes('Correct-Horse-9'),
      'the password never reaches the sweep (CloudTrail hides it)',
    );
    // One lookup per credential followed: alice's key, the backdoor key, the federation session.
    assert.equal(sweep.lookups, 3);
  });

  it('looks up by user as well, and each event once however many lookups found it', async () => {
    const { since } = await detonate();
    const sweep = await readAwsTrail(trail(sim), {
      accountId: ACCOUNT,
      accessKeyIds: [ALICE.accessKeyId, ALICE.accessKeyId],
      userNames: ['alice'],
      since,
    });
    const ids = sweep.timeline.map((e) => e.eventId);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(sweep.findings.length, 4);
  });

  it("reads within CloudTrail's rate limit while another reader takes most of it", async () => {
    const { since } = await detonate();
    const other = trail(sim);
    let stop = false;
    let refused = 0;
    const hammer = (async () => {
      while (!stop) {
        await other.send(new LookupEventsCommand({ MaxResults: 1 })).catch(() => (refused += 1));
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    })();
    try {
      const sweep = await readAwsTrail(trail(sim), {
        accountId: ACCOUNT,
        accessKeyIds: [ALICE.accessKeyId],
        userNames: [],
        since,
      });
      assert.equal(sweep.findings.length, 4);
    } finally {
      stop = true;
      await hammer;
    }
    assert.ok(refused > 0, 'the other reader was throttled: the limit was in force');
  });

  it('watches: a federation session minted before the cut-off and used after it is a hit; the deactivated key is silent', async () => {
    const { session, sessionKeyId } = await detonate();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const cutOff = new Date().toISOString();
    await iamClient(sim, RESPONDER).send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    // The key is dead: AWS refuses it before CloudTrail records anything. The session it minted still works.
    await assert.rejects(iamClient(sim, ALICE).send(new GetUserCommand({})), /InvalidClientTokenId|security token/);
    // Federation sessions may not call IAM, but STS they may: the attacker checks who it still is.
    await stsClient(sim, session).send(new GetCallerIdentityCommand({}));
    const watch = await watchAwsTrail(trail(sim), {
      provider: 'aws',
      scope: ACCOUNT,
      credentials: [
        { provider: 'aws', scope: ACCOUNT, kind: 'accessKey', id: ALICE.accessKeyId },
        { provider: 'aws', scope: ACCOUNT, kind: 'accessKey', id: sessionKeyId },
        // Another account's credential is not this reader's to look up.
        { provider: 'aws', scope: '210987654321', kind: 'accessKey', id: 'AKIAOTHERACCOUNT0001' },
      ],
      since: cutOff,
    });
    assert.deepEqual(
      watch.hits.map((hit) => [hit.credential.id, hit.entry.action, hit.refused]),
      [[sessionKeyId, 'GetCallerIdentity', false]],
    );
    assert.ok(watch.hits.every((hit) => Date.parse(hit.entry.at) >= Date.parse(cutOff) - 1000));
    assert.equal(watch.lookups, 2);
  });

  it('fails fast and says what to grant when the worker may not read CloudTrail', async () => {
    await assert.rejects(
      readAwsTrail(trail(sim, ALICE), {
        accountId: ACCOUNT,
        accessKeyIds: [ALICE.accessKeyId],
        userNames: [],
        since: new Date().toISOString(),
      }),
      (error: unknown) =>
        error instanceof PermissionDeniedError &&
        /cloudtrail:LookupEvents/.test(error.message) &&
        /Grant/.test(error.message),
    );
  });
});
