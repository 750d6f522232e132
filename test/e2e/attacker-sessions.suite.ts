import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Harness } from '../harness.js';
import { ACCOUNT, alertAbout, awsRole, awsUser, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

/** Sessions as an attacker holds them: minted with a stolen key, used against the simulator. */
describe('attacker sessions before and after containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  const credentialsOf = (userName: string): AwsCredentialIdentity => {
    const key = h.seed.users.find((u) => u.userName === userName)?.accessKeys[0];
    if (!key) throw new Error(`no key for ${userName} in the sandbox seed`);
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  };
  const client = <T>(Client: new (config: object) => T, credentials: AwsCredentialIdentity) =>
    new Client({ endpoint: h.aws.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, forcePathStyle: true });
  const listBuckets = (credentials: AwsCredentialIdentity) =>
    client(S3Client, credentials).send(new ListBucketsCommand({}));
  const sessionOf = (creds: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined) => ({
    accessKeyId: creds?.AccessKeyId ?? '',
    secretAccessKey: creds?.SecretAccessKey ?? '',
    sessionToken: creds?.SessionToken ?? '',
  });

  it('ends a GetFederationToken session and an earlier AssumeRole session; a role session issued after still works', async () => {
    const stolen = credentialsOf('alice');
    const sts = client(STSClient, stolen);
    const federation = sessionOf(
      // Without a session policy a federation token has no permissions; attackers pass AdministratorAccess.
      (
        await sts.send(
          new GetFederationTokenCommand({
            Name: 'exfil',
            DurationSeconds: 3600,
            PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
          }),
        )
      ).Credentials,
    );
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/deploy`;
    const oldRoleSession = sessionOf(
      (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'attacker' }))).Credentials,
    );
    assert.ok((await listBuckets(federation)).Buckets?.length, 'the federation session reads data before containment');
    assert.ok((await listBuckets(oldRoleSession)).Buckets?.length, 'the role session reads data before containment');

    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice'), awsRole('deploy')], 'critical'))).workflowId,
    );
    // Deletion waits for approval; containment (deactivate, deny, revoke) runs at once for critical alerts.
    const status = await waitForStatus(handle, settled);
    assert.equal(statusOf(status, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'done');
    assert.equal(statusOf(status, `aws:revoke-role-sessions:${ACCOUNT}/deploy`).status, 'done');

    await assert.rejects(listBuckets(federation), { name: 'AccessDenied' }, 'the federation session is refused');
    await assert.rejects(listBuckets(oldRoleSession), { name: 'AccessDenied' }, 'the old role session is refused');
    await assert.rejects(listBuckets(stolen), (error: Error) =>
      /InvalidAccessKeyId|InvalidClientTokenId|AccessDenied/.test(error.name),
    );

    // A legitimate deployer assumes the role after containment: new sessions keep working.
    await sleep(5);
    const fresh = sessionOf(
      (
        await client(STSClient, credentialsOf('ci-deployer')).send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'deploy-after' }),
        )
      ).Credentials,
    );
    assert.ok((await listBuckets(fresh)).Buckets?.length, 'a role session issued after revocation works');
  });

  it("cuts a stolen access key and the sessions minted with it, while the user's other key and new sessions keep working", async () => {
    const [stolenKey, otherKey] = h.seed.users.find((u) => u.userName === 'alice')?.accessKeys ?? [];
    if (!stolenKey || !otherKey) throw new Error('alice needs two keys in the sandbox seed');
    const stolen = { accessKeyId: stolenKey.accessKeyId, secretAccessKey: stolenKey.secretAccessKey };
    const other = { accessKeyId: otherKey.accessKeyId, secretAccessKey: otherKey.secretAccessKey };
    const minted = sessionOf((await client(STSClient, stolen).send(new GetSessionTokenCommand({}))).Credentials);
    assert.ok((await listBuckets(minted)).Buckets?.length, 'the minted session reads data before containment');

    const key = { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: stolenKey.accessKeyId } as const;
    const handle = playbooks.handle((await h.start(alertAbout([key], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    assert.equal(statusOf(status, `aws:deactivate-key:${stolenKey.accessKeyId}`).status, 'done');
    assert.equal(statusOf(status, `aws:revoke-user-sessions:${ACCOUNT}/alice`).status, 'done');
    assert.ok(
      status.actions.every((r) => r.action.kind !== 'aws.denyUserSessions'),
      'no deny-all on a user whose key, not whole identity, was stolen',
    );
    assert.equal(h.aws.userPolicies('alice').RevokerContainment, undefined);
    assert.ok(
      status.actions.every((r) => !r.action.id.includes(otherKey.accessKeyId)),
      'the other key is not touched',
    );

    await assert.rejects(listBuckets(stolen), 'the stolen key is refused');
    await assert.rejects(listBuckets(minted), { name: 'AccessDenied' }, 'the session minted with it is refused');
    assert.ok((await listBuckets(other)).Buckets?.length, "the user's other key keeps working");
    // aws:TokenIssueTime has millisecond precision here: a session minted after containment is issued later.
    await sleep(5);
    const fresh = sessionOf((await client(STSClient, other).send(new GetSessionTokenCommand({}))).Credentials);
    assert.ok((await listBuckets(fresh)).Buckets?.length, 'a session minted after containment works');
  });
});
