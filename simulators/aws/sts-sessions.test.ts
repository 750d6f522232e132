import {
  DeleteAccessKeyCommand,
  GetUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
} from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAwsSimulator, type AwsSimulator } from './index.js';
import {
  ALICE,
  ALLOW_ALL,
  awsError,
  CI_DEPLOYER,
  DENY_ALL,
  iamClient,
  RESPONDER,
  s3Client,
  sessionCredentials,
  stsClient,
} from './test-support.js';

const DEPLOY_ROLE = 'arn:aws:iam::123456789012:role/deploy';

/** The policy the AWS console's "Revoke active sessions" attaches (AWSRevokeOlderSessions). */
const revokeOlderSessions = (cutoff: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } },
    ],
  });

describe('STS sessions before and after containment', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const bucketNames = async (credentials: Parameters<typeof s3Client>[1]) =>
    ((await s3Client(sim, credentials).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);

  it('a federation session outlives key deletion but is refused once a deny-all policy is on the user', async () => {
    const issued = await stsClient(sim, ALICE).send(
      new GetFederationTokenCommand({ Name: 'exfil', DurationSeconds: 3600, Policy: ALLOW_ALL }),
    );
    assert.equal(issued.FederatedUser?.Arn, 'arn:aws:sts::123456789012:federated-user/exfil');
    assert.equal(issued.FederatedUser?.FederatedUserId, '123456789012:exfil');
    const federation = sessionCredentials(issued.Credentials);
    assert.match(federation.accessKeyId, /^ASIA/);
    assert.deepEqual(await bucketNames(federation), [
      'acme-customer-exports',
      'acme-terraform-state',
      'acme-build-artifacts',
    ]);

    // Deactivating and deleting the stolen key does not end sessions minted with it (real AWS behaviour).
    const responder = iamClient(sim, RESPONDER);
    await responder.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    await responder.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId }));
    assert.equal((await bucketNames(federation)).length, 3, 'still reading data after key deletion');

    await responder.send(
      new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment', PolicyDocument: DENY_ALL }),
    );
    await assert.rejects(
      s3Client(sim, federation).send(new ListBucketsCommand({})),
      awsError('AccessDenied', 403, /^Access Denied$/),
    );
    // GetCallerIdentity is never subject to policy, even under an explicit deny.
    const who = await stsClient(sim, federation).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:sts::123456789012:federated-user/exfil');
    assert.equal(who.UserId, '123456789012:exfil');
    assert.deepEqual(sim.mutations().counts, {
      GetFederationToken: 1,
      UpdateAccessKey: 1,
      DeleteAccessKey: 1,
      PutUserPolicy: 1,
    });
  });

  it('federation permissions are the intersection of user and session policy; no session policy means none', async () => {
    const sts = stsClient(sim, ALICE);
    const bare = sessionCredentials((await sts.send(new GetFederationTokenCommand({ Name: 'bare' }))).Credentials);
    await assert.rejects(s3Client(sim, bare).send(new ListBucketsCommand({})), awsError('AccessDenied', 403));

    const narrow = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });
    const scoped = sessionCredentials(
      (await sts.send(new GetFederationTokenCommand({ Name: 'scoped', Policy: narrow }))).Credentials,
    );
    await assert.rejects(s3Client(sim, scoped).send(new ListBucketsCommand({})), awsError('AccessDenied', 403));

    // ci-deployer's own policy has no s3:ListAllMyBuckets, so even an allow-all session policy grants nothing more.
    await assert.rejects(
      stsClient(sim, CI_DEPLOYER).send(new GetFederationTokenCommand({ Name: 'ci', Policy: ALLOW_ALL })),
      awsError(
        'AccessDenied',
        403,
        /sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user\/ci because no identity-based policy allows/,
      ),
    );
  });

  it('accepts AWS managed session policies (PolicyArns), the usual way attackers mint federation tokens', async () => {
    const admin = sessionCredentials(
      (
        await stsClient(sim, ALICE).send(
          new GetFederationTokenCommand({
            Name: 'persist',
            PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
          }),
        )
      ).Credentials,
    );
    assert.equal((await bucketNames(admin)).length, 3);
    const readOnly = sessionCredentials(
      (
        await stsClient(sim, ALICE).send(
          new AssumeRoleCommand({
            RoleArn: DEPLOY_ROLE,
            RoleSessionName: 'ro',
            PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }],
          }),
        )
      ).Credentials,
    );
    assert.equal((await bucketNames(readOnly)).length, 3);
    await assert.rejects(
      stsClient(sim, ALICE).send(
        new GetFederationTokenCommand({ Name: 'x1', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/NoSuchPolicy' }] }),
      ),
      awsError('ValidationError', 400, /NoSuchPolicy does not exist/),
    );
  });

  it('federation sessions may not call IAM, nor STS except GetCallerIdentity', async () => {
    const federation = sessionCredentials(
      (await stsClient(sim, ALICE).send(new GetFederationTokenCommand({ Name: 'exfil', Policy: ALLOW_ALL })))
        .Credentials,
    );
    await assert.rejects(
      iamClient(sim, federation).send(new GetUserCommand({ UserName: 'alice' })),
      awsError('InvalidClientTokenId', 403),
    );
    const sts = stsClient(sim, federation);
    await assert.rejects(
      sts.send(new GetFederationTokenCommand({ Name: 'again', Policy: ALLOW_ALL })),
      awsError('AccessDenied', 403, /^Cannot call GetFederationToken with session credentials$/),
    );
    await assert.rejects(sts.send(new GetSessionTokenCommand({})), awsError('AccessDenied', 403));
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'pivot' })),
      awsError('AccessDenied', 403, /federated-user\/exfil is not authorized to perform: sts:AssumeRole/),
    );
  });

  it('session-token sessions act as the user but cannot call IAM without MFA', async () => {
    const session = sessionCredentials((await stsClient(sim, ALICE).send(new GetSessionTokenCommand({}))).Credentials);
    assert.equal((await bucketNames(session)).length, 3);
    await assert.rejects(iamClient(sim, session).send(new GetUserCommand({})), awsError('InvalidClientTokenId', 403));
    const assumed = await stsClient(sim, session).send(
      new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'chained' }),
    );
    assert.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/deploy/chained');
  });

  it('revoking older role sessions refuses a session issued before the cut-off and admits one issued after', async () => {
    const sts = stsClient(sim, ALICE);
    const issued = await sts.send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'attacker' }));
    assert.equal(issued.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/deploy/attacker');
    assert.match(issued.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z0-9]{17}:attacker$/);
    const oldSession = sessionCredentials(issued.Credentials);
    assert.equal((await bucketNames(oldSession)).length, 3);

    await sleep(5);
    const cutoff = new Date().toISOString();
    await sleep(5);
    await iamClient(sim, RESPONDER).send(
      new PutRolePolicyCommand({
        RoleName: 'deploy',
        PolicyName: 'AWSRevokeOlderSessions',
        PolicyDocument: revokeOlderSessions(cutoff),
      }),
    );

    await assert.rejects(s3Client(sim, oldSession).send(new ListBucketsCommand({})), awsError('AccessDenied', 403));
    const who = await stsClient(sim, oldSession).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:sts::123456789012:assumed-role/deploy/attacker');

    const fresh = sessionCredentials(
      (
        await stsClient(sim, CI_DEPLOYER).send(
          new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'after' }),
        )
      ).Credentials,
    );
    assert.deepEqual(await bucketNames(fresh), [
      'acme-customer-exports',
      'acme-terraform-state',
      'acme-build-artifacts',
    ]);
    assert.deepEqual(sim.mutations().counts, { AssumeRole: 2, PutRolePolicy: 1 });
  });

  it('a TokenIssueTime deny never affects long-term keys (no aws:TokenIssueTime in their requests)', async () => {
    const session = sessionCredentials((await stsClient(sim, ALICE).send(new GetSessionTokenCommand({}))).Credentials);
    await sleep(5);
    await iamClient(sim, RESPONDER).send(
      new PutUserPolicyCommand({
        UserName: 'alice',
        PolicyName: 'RevokeOlderSessions',
        PolicyDocument: revokeOlderSessions(new Date().toISOString()),
      }),
    );
    await assert.rejects(s3Client(sim, session).send(new ListBucketsCommand({})), awsError('AccessDenied', 403));
    assert.equal((await bucketNames(ALICE)).length, 3, 'the long-term key is unaffected');
  });

  it('AssumeRole needs the trust policy to admit the caller', async () => {
    await assert.rejects(
      stsClient(sim, RESPONDER).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'nope' })),
      awsError(
        'AccessDenied',
        403,
        /^User: arn:aws:iam::123456789012:user\/revoker-responder is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/deploy$/,
      ),
    );
    await assert.rejects(
      stsClient(sim, ALICE).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/missing', RoleSessionName: 'x1' }),
      ),
      awsError('AccessDenied', 403),
    );
    await assert.rejects(
      stsClient(sim, ALICE).send(
        new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'long', DurationSeconds: 7200 }),
      ),
      awsError('ValidationError', 400, /exceeds the MaxSessionDuration set for this role/),
    );
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('GetCallerIdentity reports the role session identity', async () => {
    const session = sessionCredentials(
      (await stsClient(sim, ALICE).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'whoami' })))
        .Credentials,
    );
    const who = await stsClient(sim, session).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Account, '123456789012');
    assert.equal(who.Arn, 'arn:aws:sts::123456789012:assumed-role/deploy/whoami');
    assert.match(who.UserId ?? '', /^AROA[A-Z0-9]{17}:whoami$/);
  });
});
