import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { cloudtrail } from './cloudtrail.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

const ACCOUNT = '123456789012';

interface TrailRecord {
  eventName: string;
  eventID: string;
  awsRegion?: string;
  errorCode?: string;
  userIdentity: Record<string, unknown>;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
}

interface Event {
  region: string;
  detail: TrailRecord;
}

const { fixture, fixtureText, toAlert, refusal } = sourceKit<Event>(cloudtrail);

const ALICE = {
  type: 'IAMUser',
  principalId: 'AIDACKCEVSQ6C2EXAMPLE',
  arn: 'arn:aws:iam::123456789012:user/alice',
  accountId: ACCOUNT,
  accessKeyId: 'AKIAALICE07EXAMPLE01',
  userName: 'alice',
};

describe('cloudtrail source', () => {
  it('contains the IAM user that called GetFederationToken, and the key it signed with', () => {
    assert.deepEqual(toAlert(fixture('get-federation-token')), {
      source: 'cloudtrail',
      id: '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
      title: 'GetFederationToken by IAM user alice (123456789012) with key AKIAALICE07EXAMPLE01 from 198.51.100.23',
      severity: 'medium',
      observedAt: '2026-11-23T09:14:00Z',
      link: 'https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
      principals: [{ type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' }],
    } satisfies Alert);
  });

  it('contains the role that created an access key for another user, and that new key', () => {
    const alert = toAlert(fixture('create-access-key-by-role'));
    assert.equal(alert.title, 'CreateAccessKey for alice by IAM role deploy (123456789012) from 203.0.113.77');
    assert.deepEqual(alert.principals, [
      { type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' },
      { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE02' },
    ]);
  });

  it('refuses an event it does not map, naming eventName', () => {
    const [issue, ...more] = refusal(fixture('unsupported-event'));
    assert.equal(issue?.field, 'detail.eventName');
    assert.match(
      issue?.message ?? '',
      /AttachUserPolicy is not mapped.*GetFederationToken, GetSessionToken, CreateAccessKey/,
    );
    assert.deepEqual(more, []);
  });

  it('contains the user behind GetSessionToken called from a console session', () => {
    const body = fixture('get-federation-token');
    body.detail.eventName = 'GetSessionToken';
    body.detail.userIdentity = { ...ALICE, accessKeyId: 'ASIAALICE7SESSION001' };
    assert.deepEqual(toAlert(body).principals, [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }]);
  });

  it('contains both the key that signed and the key it made, when a user makes a key for itself', () => {
    const body = fixture('create-access-key-by-role');
    body.detail.userIdentity = ALICE;
    body.detail.requestParameters = null;
    body.detail.responseElements = {
      accessKey: { userName: 'alice', accessKeyId: 'AKIAALICE07EXAMPLE02', status: 'Active' },
    };
    assert.deepEqual(toAlert(body).principals, [
      { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' },
      { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE02' },
    ]);
  });

  it('contains the user that issued a federated session', () => {
    const body = fixture('create-access-key-by-role');
    body.detail.userIdentity = {
      type: 'FederatedUser',
      principalId: '123456789012:backup-job',
      arn: 'arn:aws:sts::123456789012:federated-user/backup-job',
      accountId: ACCOUNT,
      accessKeyId: 'ASIAFEDTOKEN7EXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'IAMUser',
          principalId: 'AIDACKCEVSQ6C2EXAMPLE',
          arn: 'arn:aws:iam::123456789012:user/alice',
          accountId: ACCOUNT,
          userName: 'alice',
        },
      },
    };
    assert.deepEqual(toAlert(body).principals, [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }]);
  });

  it('refuses root and AWS service callers, naming the identity type', () => {
    const root = fixture('get-federation-token');
    root.detail.userIdentity = {
      type: 'Root',
      principalId: ACCOUNT,
      arn: 'arn:aws:iam::123456789012:root',
      accountId: ACCOUNT,
    };
    const [rootIssue] = refusal(root);
    assert.equal(rootIssue?.field, 'detail.userIdentity.type');
    assert.match(rootIssue?.message ?? '', /root/);

    const service = fixture('create-access-key-by-role');
    service.detail.userIdentity = { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
    assert.equal(refusal(service)[0]?.field, 'detail.userIdentity.type');
  });

  it('refuses a failed call, which minted nothing', () => {
    const body = fixture('get-federation-token');
    body.detail.errorCode = 'AccessDenied';
    body.detail.responseElements = null;
    const [issue] = refusal(body);
    assert.equal(issue?.field, 'detail.errorCode');
    assert.match(issue?.message ?? '', /AccessDenied/);
  });
});

describe('cloudtrail source: bare records and display fields', () => {
  it('maps a bare record, without its EventBridge envelope, exactly as the wrapped one', () => {
    for (const name of ['get-federation-token', 'create-access-key-by-role']) {
      assert.deepEqual(toAlert(fixture(name).detail), toAlert(fixture(name)), name);
    }
  });

  it('maps a log file holding one record, and refuses one holding several, naming Records', () => {
    const record = fixture('create-access-key-by-role').detail;
    assert.deepEqual(toAlert({ Records: [record] }), toAlert(fixture('create-access-key-by-role')));
    const result = cloudtrail.schema.safeParse({ Records: [record, { ...record, eventID: 'another' }] });
    assert.deepEqual(
      result.error?.issues.map((i) => [i.path.join('.'), i.message]),
      [['Records', "post one record per request: send each of the log file's Records on its own"]],
    );
  });

  it('names the fields of a bare record by their own paths', () => {
    assert.equal(refusal(fixture('unsupported-event').detail)[0]?.field, 'eventName');
    const root = fixture('get-federation-token').detail;
    root.userIdentity = { type: 'Root', arn: 'arn:aws:iam::123456789012:root', accountId: ACCOUNT };
    assert.equal(refusal({ Records: [root] })[0]?.field, 'Records.0.userIdentity.type');
    const noType: Partial<TrailRecord> = fixture('get-federation-token').detail;
    delete noType.userIdentity;
    assert.deepEqual(
      cloudtrail.schema.safeParse(noType).error?.issues.map((i) => i.path.join('.')),
      ['userIdentity'],
      'a bare record is not reported as a broken envelope',
    );
  });

  it('drops the console link, never the event, when awsRegion is not a Region', () => {
    for (const awsRegion of ['moon-base-1', '', 'us-east-1#/x']) {
      const body = fixture('get-federation-token');
      body.detail.awsRegion = awsRegion;
      const alert = toAlert(body);
      assert.equal(alert.link, undefined, awsRegion);
      assert.deepEqual(alert.principals, toAlert(fixture('get-federation-token')).principals);
    }
    const oddEnvelope = { ...fixture('get-federation-token'), region: 5, time: {}, id: null, source: [] };
    assert.equal(toAlert(oddEnvelope).id, fixture('get-federation-token').detail.eventID, 'unread fields never refuse');
    const noRegion: Partial<TrailRecord> = fixture('get-federation-token').detail;
    delete noRegion.awsRegion;
    assert.equal(toAlert(noRegion).link, undefined);
  });
});

describe('POST /alerts/cloudtrail', () => {
  it('starts the playbook for the mapped event with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/cloudtrail', fixtureText('create-access-key-by-role'));
    await assertStarted(res, [toAlert(fixture('create-access-key-by-role'))]);
  });

  it('starts the playbook for a bare record with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/cloudtrail', fixture('create-access-key-by-role').detail);
    await assertStarted(res, [toAlert(fixture('create-access-key-by-role'))]);
  });

  it('answers 422 naming eventName for an event it does not map, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const { fields } = await assertRefused(await post('/alerts/cloudtrail', fixtureText('unsupported-event')), 422);
    assert.deepEqual(fields, ['detail.eventName']);
  });
});
