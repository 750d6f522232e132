// What AWS discovery reads for the triage card, against the simulator with the worker's own clients: the user's and its
// groups' policies, when its keys were last used, a role's policies and last use; a refused read is a line on the card
// and discovery goes on, a throttled one fails the activity for Temporal to retry.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadAwsSeed, startAwsSimulator, DEFAULT_SEED_PATH, type AwsSimulator } from '../simulators/aws/index.js';
import { cloudTrailClient, iamClient, seedWithout, stsClient } from '../simulators/aws/test-support.js';
import { createAwsActivities, singleAccount } from './aws.js';

const RESPONDER = { accessKeyId: 'AKIARSPNDR7EXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYRESPONDER1' };
const ACCOUNT = '123456789012';
const ALICE_KEY = 'AKIAALICE07EXAMPLE01';
const ALICE_SECOND = 'AKIAALICE07EXAMPLE02';

describe('AWS discovery: the triage card', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  // The SDK's own retries off, as the worker has them: Temporal owns retries.
  const aws = () =>
    createAwsActivities(
      singleAccount({
        iam: iamClient(sim, RESPONDER),
        sts: stsClient(sim, RESPONDER),
        cloudtrail: cloudTrailClient(sim, RESPONDER),
      }),
    );
  const calls = (name: string) =>
    sim.trailEvents().filter((e) => e.eventName === name && e.accessKeyId === RESPONDER.accessKeyId);

  it("reads alice's ARN, her own and her group's policies, and when each active key was last used", async () => {
    const found = await aws().discoverAwsPrincipal({ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' });
    assert.equal(found.type, 'aws.user');
    if (found.type !== 'aws.user') return;
    assert.equal(found.arn, `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.deepEqual(found.policies, {
      attached: ['IAMUserChangePassword', 'TerraformStateRead'],
      inline: ['DeveloperS3AndSts'],
    });
    assert.deepEqual(found.groups, [
      { groupName: 'developers', attached: ['AmazonS3ReadOnlyAccess'], inline: ['DevelopersAssumeDeploy'] },
    ]);
    assert.deepEqual(
      found.accessKeys.map((k) => [k.accessKeyId, k.lastUsed]),
      [
        [ALICE_KEY, { at: '2026-11-23T12:41:07.000Z', region: 'us-east-1', service: 's3' }],
        // GetAccessKeyLastUsed says N/A for a key never used: the card says never.
        [ALICE_SECOND, {}],
      ],
    );
    assert.equal(found.unread, undefined, 'the sandbox responder may read all of it');
    assert.deepEqual(sim.mutations().counts, {}, 'discovery changes nothing');
  });

  it('reads the last use of only the key the alert names, once, from the call that found its user', async () => {
    const found = await aws().discoverAwsPrincipal({
      type: 'aws.accessKey',
      accountId: ACCOUNT,
      accessKeyId: ALICE_KEY,
    });
    assert.equal(found.type, 'aws.user');
    if (found.type !== 'aws.user') return;
    assert.equal(found.focusAccessKeyId, ALICE_KEY);
    assert.equal(found.arn, `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.deepEqual(found.accessKeys.find((k) => k.accessKeyId === ALICE_KEY)?.lastUsed?.service, 's3');
    assert.equal(found.accessKeys.find((k) => k.accessKeyId === ALICE_SECOND)?.lastUsed, undefined);
    assert.equal(calls('GetAccessKeyLastUsed').length, 1);
  });

  it('skips inactive keys: their last use is not what an attacker holding a live key does', async () => {
    const seed = loadAwsSeed(DEFAULT_SEED_PATH);
    const alice = seed.users.find((u) => u.userName === 'alice');
    const second = alice?.accessKeys.find((k) => k.accessKeyId === ALICE_SECOND);
    assert.ok(second);
    second.status = 'Inactive';
    sim.reset(seed);
    const found = await aws().discoverAwsPrincipal({ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' });
    assert.ok(found.type === 'aws.user');
    assert.equal(found.accessKeys.find((k) => k.accessKeyId === ALICE_SECOND)?.lastUsed, undefined);
    assert.equal(calls('GetAccessKeyLastUsed').length, 1);
  });

  it('goes on without the card reads it may not make, and says which were refused', async () => {
    sim.reset(seedWithout('iam:ListAttachedUserPolicies', 'iam:ListGroupsForUser', 'iam:GetAccessKeyLastUsed'));
    const found = await aws().discoverAwsPrincipal({ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' });
    assert.ok(found.type === 'aws.user');
    assert.equal(found.accessKeys.length, 2, 'containment has the keys it needs');
    assert.deepEqual(found.policies, { attached: [], inline: ['DeveloperS3AndSts'] });
    assert.equal(found.groups, undefined);
    // In the order the reads start, whichever IAM answers first: the keys' once they are listed.
    assert.deepEqual(found.unread, [
      { part: 'reach', what: 'its managed policies', why: 'iam:ListAttachedUserPolicies denied' },
      { part: 'reach', what: 'groups', why: 'iam:ListGroupsForUser denied' },
      { part: 'lastUsed', what: `last use of ${ALICE_KEY}`, why: 'iam:GetAccessKeyLastUsed denied' },
      { part: 'lastUsed', what: `last use of ${ALICE_SECOND}`, why: 'iam:GetAccessKeyLastUsed denied' },
    ]);
  });

  it("fails retryably when a card read is throttled, as any discovery read (Temporal's retry, not a gap)", async () => {
    sim.injectFault({ action: 'ListAttachedUserPolicies', code: 'Throttling', times: 1 });
    await assert.rejects(
      aws().discoverAwsPrincipal({ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }),
      (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure, String(error));
        assert.equal(error.type, 'ThrottledError');
        assert.equal(error.nonRetryable, false);
        return true;
      },
    );
    const again = await aws().discoverAwsPrincipal({ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' });
    assert.ok(again.type === 'aws.user' && again.policies?.attached.length === 2, 'the retry reads it all');
  });

  it("reads a role's ARN, policies and last use (GetRole's RoleLastUsed)", async () => {
    const found = await aws().discoverAwsPrincipal({ type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' });
    assert.deepEqual(found, {
      type: 'aws.role',
      accountId: ACCOUNT,
      roleName: 'deploy',
      serviceLinked: false,
      arn: `arn:aws:iam::${ACCOUNT}:role/deploy`,
      policies: { attached: ['AmazonS3ReadOnlyAccess'], inline: ['DeployS3'] },
      lastUsed: { at: '2026-11-23T12:44:51.000Z', region: 'us-east-1' },
    });
  });

  it("says so when it may not list a role's policies, and still finds the role", async () => {
    sim.reset(seedWithout('iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'));
    const found = await aws().discoverAwsPrincipal({
      type: 'aws.role',
      accountId: ACCOUNT,
      roleName: 'AWSServiceRoleForSupport',
    });
    assert.ok(found.type === 'aws.role');
    assert.equal(found.serviceLinked, true);
    assert.equal(found.policies, undefined);
    assert.deepEqual(
      found.unread?.map((u) => u.why),
      ['iam:ListAttachedRolePolicies denied', 'iam:ListRolePolicies denied'],
    );
  });
});
