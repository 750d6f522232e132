import {
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_SEED_PATH, startAwsSimulator, type AwsSimulator } from './index.js';
import { ALICE, awsError, CI_DEPLOYER, DENY_ALL, iamClient, RESPONDER } from './test-support.js';

const fixture = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as {
  users: { userName: string; inlinePolicies?: Record<string, unknown> }[];
};

describe('IAM inline policies and authorization', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('returns policy documents URL-encoded (RFC 3986), as AWS does', async () => {
    const got = await iamClient(sim, RESPONDER).send(
      new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'DeveloperS3AndSts' }),
    );
    const encoded = got.PolicyDocument ?? '';
    assert.ok(encoded.startsWith('%7B%22Version%22%3A%222012-10-17%22'), encoded.slice(0, 40));
    assert.match(encoded, /%2A/, 'even RFC 3986 sub-delimiters such as * are encoded');
    assert.doesNotMatch(encoded, /[{}":*]/);
    const expected = fixture.users.find((u) => u.userName === 'alice')?.inlinePolicies?.['DeveloperS3AndSts'];
    assert.deepEqual(JSON.parse(decodeURIComponent(encoded)), expected);
    assert.equal(got.UserName, 'alice');
    assert.equal(got.PolicyName, 'DeveloperS3AndSts');
  });

  it('accepts plain JSON on PutUserPolicy and returns the exact text back; counts put and delete', async () => {
    const iam = iamClient(sim, RESPONDER);
    const text = `{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]\n}`;
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment', PolicyDocument: text }),
    );
    const back = await iam.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment' }));
    assert.equal(decodeURIComponent(back.PolicyDocument ?? ''), text);
    assert.deepEqual(sim.userPolicies('alice')['RevokerContainment'], JSON.parse(text));
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(names.PolicyNames, ['DeveloperS3AndSts', 'RevokerContainment']);

    await iam.send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment' }));
    await assert.rejects(
      iam.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment' })),
      awsError('NoSuchEntityException', 404, /^The user policy with name RevokerContainment cannot be found\.$/),
    );
    await assert.rejects(
      iam.send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment' })),
      awsError('NoSuchEntityException', 404),
    );
    assert.deepEqual(sim.mutations().counts, { PutUserPolicy: 1, DeleteUserPolicy: 1 });
    assert.deepEqual(
      sim.mutations().log.map((e) => e.target),
      ['user/alice/RevokerContainment', 'user/alice/RevokerContainment'],
    );
  });

  it('rejects malformed documents with MalformedPolicyDocument and changes nothing', async () => {
    const iam = iamClient(sim, RESPONDER);
    const put = (PolicyDocument: string) =>
      iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Bad', PolicyDocument }));
    await assert.rejects(
      put('{"Version": "2012-10-17", "Statement": ['),
      awsError('MalformedPolicyDocumentException', 400, /^Syntax errors in policy\.$/),
    );
    await assert.rejects(
      put(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
        }),
      ),
      awsError('MalformedPolicyDocumentException', 400, /should not specify a principal/),
    );
    await assert.rejects(
      put(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] })),
      awsError('MalformedPolicyDocumentException', 400, /must contain resources/),
    );
    await assert.rejects(
      put(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { DateBefore: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
            },
          ],
        }),
      ),
      awsError('MalformedPolicyDocumentException', 400, /Invalid Condition type : DateBefore/),
    );
    assert.equal(sim.userPolicies('alice')['Bad'], undefined);
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('enforces the 2,048-character aggregate inline policy quota for users', async () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: Array.from({ length: 120 }, (_, i) => `s3:Action${i}`), Resource: '*' }],
    });
    await assert.rejects(
      iamClient(sim, RESPONDER).send(
        new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Big', PolicyDocument: big }),
      ),
      awsError('LimitExceededException', 409, /^Maximum policy size of 2048 bytes exceeded for user alice$/),
    );
  });

  it('refuses callers without an allowing policy, quoting the action and resource', async () => {
    await assert.rejects(
      iamClient(sim, CI_DEPLOYER).send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
      ),
      awsError(
        'AccessDenied',
        403,
        /^User: arn:aws:iam::123456789012:user\/ci-deployer is not authorized to perform: iam:UpdateAccessKey on resource: user alice because no identity-based policy allows the iam:UpdateAccessKey action$/,
      ),
    );
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');
    // AWS authorizes before revealing existence: an unauthorized caller cannot probe for user names.
    await assert.rejects(
      iamClient(sim, CI_DEPLOYER).send(new GetUserCommand({ UserName: 'ghost' })),
      awsError('AccessDenied', 403),
    );
  });

  it('resolves policy variables: alice may read her own user but not others', async () => {
    const iam = iamClient(sim, ALICE);
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.UserName, 'alice');
    await assert.rejects(iam.send(new GetUserCommand({ UserName: 'ci-deployer' })), awsError('AccessDenied', 403));
  });

  it('an explicit deny wins over any allow and says so', async () => {
    await iamClient(sim, RESPONDER).send(
      new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment', PolicyDocument: DENY_ALL }),
    );
    await assert.rejects(
      iamClient(sim, ALICE).send(new GetUserCommand({})),
      awsError(
        'AccessDenied',
        403,
        /^User: arn:aws:iam::123456789012:user\/alice is not authorized to perform: iam:GetUser on resource: user alice with an explicit deny in an identity-based policy$/,
      ),
    );
  });

  it('manages role inline policies and returns the trust policy URL-encoded from GetRole', async () => {
    const iam = iamClient(sim, RESPONDER);
    const role = await iam.send(new GetRoleCommand({ RoleName: 'deploy' }));
    assert.equal(role.Role?.Arn, 'arn:aws:iam::123456789012:role/deploy');
    assert.match(role.Role?.RoleId ?? '', /^AROA[A-Z0-9]{17}$/);
    assert.equal(role.Role?.MaxSessionDuration, 3600);
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')) as { Statement: unknown[] };
    assert.equal(trust.Statement.length, 1);

    const revoke = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date().toISOString() } },
        },
      ],
    });
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: revoke }),
    );
    const back = await iam.send(new GetRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'AWSRevokeOlderSessions' }));
    assert.equal(decodeURIComponent(back.PolicyDocument ?? ''), revoke);
    assert.equal(back.RoleName, 'deploy');
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'deploy' }))).PolicyNames, [
      'AWSRevokeOlderSessions',
      'DeployS3',
    ]);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'AWSRevokeOlderSessions' }));
    assert.deepEqual(Object.keys(sim.rolePolicies('deploy')), ['DeployS3']);
    assert.deepEqual(sim.mutations().counts, { PutRolePolicy: 1, DeleteRolePolicy: 1 });
    await assert.rejects(
      iam.send(new GetRoleCommand({ RoleName: 'nope' })),
      awsError('NoSuchEntityException', 404, /^The role with name nope cannot be found\.$/),
    );
  });

  it('refuses inline policies on a service-linked role', async () => {
    await assert.rejects(
      iamClient(sim, RESPONDER).send(
        new PutRolePolicyCommand({
          RoleName: 'AWSServiceRoleForSupport',
          PolicyName: 'Revoke',
          PolicyDocument: DENY_ALL,
        }),
      ),
      awsError(
        'UnmodifiableEntityException',
        400,
        /^Cannot perform the operation on the protected role 'AWSServiceRoleForSupport' - this role is only modifiable by AWS$/,
      ),
    );
    assert.deepEqual(sim.rolePolicies('AWSServiceRoleForSupport'), {});
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('reads and deletes login profiles, for a caller granted it (the responder, for aws.deleteLoginProfile)', async () => {
    await assert.rejects(
      iamClient(sim, CI_DEPLOYER).send(new DeleteLoginProfileCommand({ UserName: 'alice' })),
      awsError('AccessDenied', 403, /iam:DeleteLoginProfile/),
    );
    const iam = iamClient(sim, RESPONDER);
    const profile = await iam.send(new GetLoginProfileCommand({ UserName: 'alice' }));
    assert.equal(profile.LoginProfile?.CreateDate?.toISOString(), '2025-03-02T10:16:00.000Z');
    assert.equal(profile.LoginProfile?.PasswordResetRequired, false);
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' }));
    await assert.rejects(
      iam.send(new GetLoginProfileCommand({ UserName: 'alice' })),
      awsError('NoSuchEntityException', 404, /^Login Profile for User alice cannot be found\.$/),
    );
    assert.deepEqual(
      sim.mutations().log.map((e) => [e.action, e.target]),
      [['DeleteLoginProfile', 'user/alice']],
    );
  });
});
