import {
  GetRoleCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DEFAULT_SEED_PATH,
  loadAwsSeed,
  parseAwsSeed,
  startAwsSimulator,
  type AwsSeed,
  type AwsSimulator,
} from './index.js';
import {
  ACCOUNT,
  ALICE,
  awsError,
  iamClient,
  RESPONDER,
  s3Client,
  sessionCredentials,
  stsClient,
} from './test-support.js';

const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const DEPLOYER = { accessKeyId: 'AKIADEPLOYER00000001', secretAccessKey: 'd'.repeat(40) };

/** The sandbox and a user `deployer` with no policy of its own, only what `extra` gives it. */
function withDeployer(extra: Partial<AwsSeed['users'][number]> = {}): AwsSeed {
  const seed = loadAwsSeed(DEFAULT_SEED_PATH);
  return {
    ...seed,
    users: [...seed.users, { userName: 'deployer', accessKeys: [{ ...DEPLOYER }], ...extra }],
  };
}

describe('IAM managed policies and groups', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("lists a user's attached policies (name and ARN), its groups, and each group's policies, as IAM does", async () => {
    const iam = iamClient(sim, RESPONDER);
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'IAMUserChangePassword', PolicyArn: 'arn:aws:iam::aws:policy/IAMUserChangePassword' },
      { PolicyName: 'TerraformStateRead', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/TerraformStateRead` },
    ]);
    assert.equal(attached.IsTruncated, false);

    const { Groups } = await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    assert.equal(Groups?.length, 1);
    assert.equal(Groups?.[0]?.GroupName, 'developers');
    assert.equal(Groups?.[0]?.Arn, `arn:aws:iam::${ACCOUNT}:group/developers`);
    assert.match(Groups?.[0]?.GroupId ?? '', /^AGPA[A-Z0-9]{17}$/);
    assert.ok(Groups?.[0]?.CreateDate instanceof Date);

    const groupAttached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'developers' }));
    assert.deepEqual(groupAttached.AttachedPolicies, [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: S3_READ }]);
    const groupInline = await iam.send(new ListGroupPoliciesCommand({ GroupName: 'developers' }));
    assert.deepEqual(groupInline.PolicyNames, ['DevelopersAssumeDeploy']);
  });

  it('filters by PathPrefix and pages with MaxItems and Marker', async () => {
    const iam = iamClient(sim, RESPONDER);
    const first = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice', MaxItems: 1 }));
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(
      new ListAttachedUserPoliciesCommand({ UserName: 'alice', MaxItems: 1, Marker: first.Marker }),
    );
    assert.deepEqual(
      [...(first.AttachedPolicies ?? []), ...(second.AttachedPolicies ?? [])].map((p) => p.PolicyName),
      ['IAMUserChangePassword', 'TerraformStateRead'],
    );
    const support = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForSupport', PathPrefix: '/aws-service-role/' }),
    );
    assert.deepEqual(
      support.AttachedPolicies?.map((p) => p.PolicyName),
      ['AWSSupportServiceRolePolicy'],
    );
    const none = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'deploy', PathPrefix: '/service-role/' }),
    );
    assert.deepEqual(none.AttachedPolicies ?? [], []);
  });

  it('authorizes on the user or group before saying it does not exist, and names a missing group', async () => {
    await assert.rejects(
      iamClient(sim, ALICE).send(new ListAttachedUserPoliciesCommand({ UserName: 'ci-deployer' })),
      awsError(
        'AccessDenied',
        403,
        /is not authorized to perform: iam:ListAttachedUserPolicies on resource: user ci-deployer/,
      ),
    );
    await assert.rejects(
      iamClient(sim, ALICE).send(new ListGroupPoliciesCommand({ GroupName: 'no-such-group' })),
      awsError('AccessDenied', 403, /iam:ListGroupPolicies on resource: group no-such-group/),
    );
    await assert.rejects(
      iamClient(sim, RESPONDER).send(new ListAttachedGroupPoliciesCommand({ GroupName: 'no-such-group' })),
      awsError('NoSuchEntityException', 404, /^The group with name no-such-group cannot be found\.$/),
    );
    await assert.rejects(
      iamClient(sim, RESPONDER).send(new ListGroupsForUserCommand({ UserName: 'nobody' })),
      awsError('NoSuchEntityException', 404),
    );
  });

  it('grants what attached managed policies allow, directly or through a group, and nothing without them', async () => {
    const buckets = () => s3Client(sim, DEPLOYER).send(new ListBucketsCommand({}));
    sim.reset(withDeployer());
    await assert.rejects(buckets(), awsError('AccessDenied', 403), 'no policy, no access');

    sim.reset(withDeployer({ attachedPolicies: [S3_READ] }));
    assert.equal((await buckets()).Buckets?.length, 3, 'AmazonS3ReadOnlyAccess attached to the user');

    sim.reset(withDeployer({ groups: ['developers'] }));
    assert.equal((await buckets()).Buckets?.length, 3, "through the developers group's AmazonS3ReadOnlyAccess");
  });

  it("reports a role's last use, moved by its sessions' requests, in GetRole's RoleLastUsed", async () => {
    const iam = iamClient(sim, RESPONDER);
    const seeded = (await iam.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.RoleLastUsed;
    assert.equal(seeded?.LastUsedDate?.toISOString(), '2026-11-23T12:44:51.000Z');
    assert.equal(seeded?.Region, 'us-east-1');

    const before = Date.now() - 1000;
    const session = sessionCredentials(
      (await stsClient(sim, ALICE).send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'release' })))
        .Credentials,
    );
    await s3Client(sim, session).send(new ListBucketsCommand({}));
    const used = (await iam.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.RoleLastUsed;
    assert.ok((used?.LastUsedDate?.getTime() ?? 0) >= before);
  });

  it('refuses a seed attaching a policy or naming a group that does not exist', () => {
    const seed = withDeployer({ attachedPolicies: ['arn:aws:iam::aws:policy/NoSuchPolicy'], groups: ['nobody'] });
    assert.throws(() => parseAwsSeed(seed), /users\[3\]\.attachedPolicies\[0\]: no managed policy .*NoSuchPolicy/);
    assert.throws(() => parseAwsSeed(seed), /users\[3\]\.groups\[0\]: no group nobody/);
  });

  it('keeps groups, managed policies and role last use across a restart (state file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-sim-managed-'));
    try {
      const stateFile = join(dir, 'state.json');
      await (await startAwsSimulator({ stateFile })).close();
      const again = await startAwsSimulator({ stateFile });
      try {
        const iam = iamClient(again, RESPONDER);
        const { Groups } = await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
        assert.deepEqual(
          Groups?.map((g) => g.GroupName),
          ['developers'],
        );
        const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
        assert.equal(attached.AttachedPolicies?.length, 2);
        const role = await iam.send(new GetRoleCommand({ RoleName: 'deploy' }));
        assert.equal(role.Role?.RoleLastUsed?.Region, 'us-east-1');
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
