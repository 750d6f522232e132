import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import type { StartResult } from '../start-playbook.js';
import { createWebhookApp } from '../webhook/app.js';
import { guardduty, guardDutySeverity } from './guardduty.js';
import { UnmappableAlert, type MissingField } from './source-adapter.js';

const TOKEN = 'guardduty-test-token-0123456789';
const ACCOUNT = '123456789012';

interface Event {
  region: string;
  detail: {
    partition?: string;
    severity: number;
    resource: { resourceType?: string; accessKeyDetails?: Record<string, string> };
    service?: { additionalInfo?: Record<string, unknown> };
  };
}

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/guardduty/${name}.json`, import.meta.url), 'utf8');
}

function event(name: string): Event {
  return JSON.parse(fixture(name)) as Event;
}

function toAlert(body: unknown): Alert {
  return guardduty.toAlert(guardduty.schema.parse(body));
}

function refusal(body: unknown): MissingField[] {
  try {
    toAlert(body);
  } catch (error) {
    if (error instanceof UnmappableAlert) return error.issues;
    throw error;
  }
  return assert.fail('the finding was mapped');
}

describe('guardduty source', () => {
  it('contains a long-term access key of an IAM user by itself', () => {
    assert.deepEqual(toAlert(event('iam-user-access-key')), {
      source: 'guardduty',
      id: '52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5',
      title: 'API ListBuckets was invoked from a known malicious IP address.',
      severity: 'medium',
      observedAt: '2026-11-23T12:41:07.000Z',
      link: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5',
      principals: [{ type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' }],
    } satisfies Alert);
  });

  it('contains the instance role when its credentials are used outside AWS', () => {
    const alert = toAlert(event('instance-credential-exfiltration'));
    assert.deepEqual(alert.principals, [{ type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' }]);
    assert.equal(alert.severity, 'high');
    assert.equal(alert.id, 'a4c6e8f0b2d4f6a8c0e2b4d6f8a0c2e4');
    assert.equal(alert.observedAt, '2026-11-23T14:01:02.000Z');
  });

  it('refuses root credentials, saying why IAM cannot contain them', () => {
    const [issue, ...more] = refusal(event('root-credential-usage'));
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails.userType');
    assert.match(issue?.message ?? '', /root user.*cannot contain/);
    assert.deepEqual(more, []);
  });

  it('contains the IAM user behind a temporary key, since a session key cannot be deactivated', () => {
    const body = event('iam-user-access-key');
    body.detail.resource.accessKeyDetails = {
      accessKeyId: 'ASIAALICE7SESSION001',
      userName: 'alice',
      userType: 'IAMUser',
    };
    assert.deepEqual(toAlert(body).principals, [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }]);
  });

  it('refuses a federated session, pointing at the CloudTrail event that names its user', () => {
    const body = event('iam-user-access-key');
    body.detail.resource.accessKeyDetails = {
      accessKeyId: 'ASIAFEDTOKEN7EXAMPLE',
      userName: 'backup-job',
      userType: 'FederatedUser',
    };
    const [issue] = refusal(body);
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails.userType');
    assert.match(issue?.message ?? '', /GetFederationToken.*\/alerts\/cloudtrail/);
  });

  it('refuses identity types it cannot contain, and findings that name no credentials', () => {
    const service = event('iam-user-access-key');
    service.detail.resource.accessKeyDetails = { userType: 'AWSService', userName: 'ec2.amazonaws.com' };
    assert.equal(refusal(service)[0]?.field, 'detail.resource.accessKeyDetails.userType');

    const instance = event('iam-user-access-key');
    instance.detail.resource = { resourceType: 'Instance' };
    const [issue] = refusal(instance);
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails');
    assert.match(issue?.message ?? '', /Instance finding names no IAM credentials/);
  });

  it('refuses sample findings, which name made-up credentials', () => {
    const asObject = event('iam-user-access-key');
    asObject.detail.service = { additionalInfo: { sample: true } };
    assert.equal(refusal(asObject)[0]?.field, 'detail.service.additionalInfo.sample');

    const asText = event('iam-user-access-key');
    asText.detail.service = { additionalInfo: { value: '{"sample":true}', type: 'default' } };
    assert.equal(refusal(asText)[0]?.field, 'detail.service.additionalInfo.sample');
  });

  it("reads GuardDuty's severity bands", () => {
    const bands = [1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(guardDutySeverity);
    assert.deepEqual(bands, ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });

  it('links only findings of the commercial partition to the console', () => {
    const body = event('iam-user-access-key');
    body.detail.partition = 'aws-us-gov';
    body.region = 'us-gov-west-1';
    assert.equal(toAlert(body).link, undefined);
  });

  it('refuses events that are not GuardDuty findings', () => {
    const result = guardduty.schema.safeParse({
      ...event('iam-user-access-key'),
      'detail-type': 'AWS API Call via CloudTrail',
    });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['detail-type'],
    );
  });
});

describe('POST /alerts/guardduty', () => {
  const result: StartResult = {
    workflowId: 'contain/aws/123456789012/access-key/AKIAALICE07EXAMPLE01',
    runId: 'run-1',
    uiUrl: 'http://localhost:8233/',
    merged: false,
    duplicate: false,
  };

  function appRecording() {
    const started: Alert[] = [];
    const app = createWebhookApp({
      auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
      startPlaybook: (alert) => {
        started.push(alert);
        return Promise.resolve(result);
      },
    });
    const post = (body: string, path = '/alerts/guardduty', bearer: string | null = TOKEN) =>
      app.request(path, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      });
    return { started, post };
  }

  it('starts the playbook for the mapped finding with 202', async () => {
    const { started, post } = appRecording();
    const res = await post(fixture('iam-user-access-key'));
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), result);
    assert.deepEqual(started, [toAlert(event('iam-user-access-key'))]);
  });

  it('answers 422 naming the field for root credentials, and starts nothing', async () => {
    const { started, post } = appRecording();
    const res = await post(fixture('root-credential-usage'));
    assert.equal(res.status, 422);
    const body = (await res.json()) as { issues: MissingField[] };
    assert.deepEqual(
      body.issues.map((i) => i.field),
      ['detail.resource.accessKeyDetails.userType'],
    );
    assert.deepEqual(started, []);
  });

  it('takes no token in the URL: EventBridge sends the Authorization header', async () => {
    const { started, post } = appRecording();
    const res = await post(fixture('iam-user-access-key'), `/alerts/guardduty?token=${TOKEN}`, null);
    assert.equal(res.status, 401);
    assert.deepEqual(started, []);
  });
});
