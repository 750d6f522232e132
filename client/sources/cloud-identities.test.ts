import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Principal } from '../../domain/principal.js';
import { ELASTIC_WEBHOOK_BODY, type ElasticWebhook } from './elastic.js';
import { intakeApp, TOKEN } from './source-test-kit.js';

// One CloudTrail record, through each route that can carry it: EventBridge (/alerts/cloudtrail), a
// Splunk search over the Splunk Add-on for AWS's aws:cloudtrail events, and an Elastic rule over the
// AWS integration's cloudtrail data stream. Each SIEM's rendering of the record is built here the way
// that SIEM builds it, so the test says what the routes must agree on: the principals.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TrailRecord = { [key: string]: Json };

const ACCOUNT = '123456789012';

function fixture(source: string, name: string): { [key: string]: Json } {
  return JSON.parse(readFileSync(new URL(`./fixtures/${source}/${name}.json`, import.meta.url), 'utf8')) as {
    [key: string]: Json;
  };
}

function trailRecord(name: string, change: (record: TrailRecord) => void = () => {}): TrailRecord {
  const record = fixture('cloudtrail', name).detail as TrailRecord;
  change(record);
  return record;
}

/**
 * The record as a Splunk result row: the add-on's aws:cloudtrail events are JSON, extracted with each
 * field named by its path (`userIdentity.arn`, `responseElements.accessKey.accessKeyId`, lists as
 * `resources{}.ARN`), every value a string.
 */
function splunkRow(record: TrailRecord): Record<string, string> {
  const row: Record<string, string> = {};
  const walk = (value: Json, path: string): void => {
    if (value === null) return;
    if (Array.isArray(value)) value.forEach((item) => walk(item, `${path}{}`));
    else if (typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    else row[path] = String(value);
  };
  walk(record, '');
  return row;
}

/**
 * The record as the Elastic AWS integration's ingest pipeline stores it (its renames, as
 * packages/aws/data_stream/cloudtrail/elasticsearch/ingest_pipeline/default.yml makes them), rendered
 * by Revoker's webhook body template: every field the template names, "" where the event has none.
 */
function elasticAlert(record: TrailRecord): Record<string, string> {
  const at = (path: string): string => {
    let value: Json | undefined = record;
    for (const key of path.split('.'))
      value = value && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
    return typeof value === 'string' ? value : '';
  };
  const ecs: Record<string, string> = {
    'kibana.alert.uuid': `uuid-${at('eventID')}`,
    'kibana.alert.rule.name': 'CloudTrail credential call',
    'kibana.alert.severity': 'medium',
    'kibana.alert.original_time': at('eventTime'),
    'kibana.alert.workflow_status': 'open',
    'cloud.provider': 'aws',
    'cloud.account.id': at('userIdentity.accountId'),
    // userIdentity.userName, else (assumed roles, federated users) the session issuer's.
    'user.name': at('userIdentity.userName') || at('userIdentity.sessionContext.sessionIssuer.userName'),
    'user.id': at('userIdentity.principalId'),
    'event.action': at('eventName'),
    'aws.cloudtrail.user_identity.type': at('userIdentity.type'),
    'aws.cloudtrail.user_identity.arn': at('userIdentity.arn'),
    'aws.cloudtrail.user_identity.access_key_id': at('userIdentity.accessKeyId'),
    'aws.cloudtrail.user_identity.session_context.session_issuer.type': at(
      'userIdentity.sessionContext.sessionIssuer.type',
    ),
    'aws.cloudtrail.user_identity.session_context.session_issuer.arn': at(
      'userIdentity.sessionContext.sessionIssuer.arn',
    ),
    'aws.cloudtrail.recipient_account_id': at('recipientAccountId'),
    'aws.cloudtrail.flattened.request_parameters.userName': at('requestParameters.userName'),
    'aws.cloudtrail.flattened.response_elements.accessKey.accessKeyId': at('responseElements.accessKey.accessKeyId'),
    'aws.cloudtrail.flattened.response_elements.accessKey.userName': at('responseElements.accessKey.userName'),
  };
  const templateFields = [...ELASTIC_WEBHOOK_BODY.matchAll(/^\s*"([^"]+)": "\{\{\1\}\}",?$/gm)].map(([, key]) => key!);
  const rendered = Object.fromEntries(templateFields.map((key) => [key, ecs[key] ?? '']));
  for (const key of Object.keys(ecs)) assert.ok(key in rendered, `the Elastic template renders ${key}`);
  return rendered;
}

/** The principals each route started a playbook for, given the same record. */
async function principalsByRoute(record: TrailRecord): Promise<Record<string, Principal[]>> {
  const { post, started } = intakeApp();
  const elastic = fixture('elastic', 'aws-iam-user-access-key') as unknown as ElasticWebhook;
  const requests = {
    cloudtrail: post('/alerts/cloudtrail', {
      version: '0',
      id: 'e1',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      account: ACCOUNT,
      time: record.eventTime,
      region: 'us-east-1',
      detail: record,
    }),
    splunk: post(
      `/alerts/splunk?token=${TOKEN}`,
      { result: splunkRow(record), sid: 'scheduler__admin__search__RMD5cred_at_1795425300_7', search_name: 'creds' },
      {},
    ),
    elastic: post('/alerts/elastic', { ...elastic, alerts: [elasticAlert(record)] }),
  };
  const byRoute: Record<string, Principal[]> = {};
  for (const [route, request] of Object.entries(requests)) {
    const res = await request;
    assert.equal(res.status, 202, `${route}: ${await res.clone().text()}`);
    const alert = started.find((a) => a.source === route);
    assert.ok(alert, route);
    byRoute[route] = alert.principals;
  }
  return byRoute;
}

describe('one CloudTrail record through the cloudtrail, Splunk and Elastic routes', () => {
  const cases: [string, TrailRecord, Principal[]][] = [
    [
      "GetFederationToken signed with an IAM user's long-term key",
      trailRecord('get-federation-token'),
      [{ type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' }],
    ],
    [
      'CreateAccessKey for alice by a session of role deploy',
      trailRecord('create-access-key-by-role'),
      [
        { type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' },
        { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE02' },
      ],
    ],
    [
      'CreateAccessKey for bob by alice with her key',
      trailRecord('create-access-key-by-role', (record) => {
        record.userIdentity = {
          type: 'IAMUser',
          principalId: 'AIDACKCEVSQ6C2EXAMPLE',
          arn: 'arn:aws:iam::123456789012:user/alice',
          accountId: ACCOUNT,
          accessKeyId: 'AKIAALICE07EXAMPLE01',
          userName: 'alice',
        };
        record.requestParameters = { userName: 'bob' };
        record.responseElements = {
          accessKey: { userName: 'bob', accessKeyId: 'AKIABOB0007EXAMPLE03', status: 'Active' },
        };
      }),
      [
        { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' },
        { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIABOB0007EXAMPLE03' },
      ],
    ],
    [
      'CreateAccessKey by alice for herself from a console session',
      trailRecord('create-access-key-by-role', (record) => {
        record.userIdentity = {
          type: 'IAMUser',
          principalId: 'AIDACKCEVSQ6C2EXAMPLE',
          arn: 'arn:aws:iam::123456789012:user/alice',
          accountId: ACCOUNT,
          accessKeyId: 'ASIAALICE7SESSION001',
          userName: 'alice',
        };
        record.requestParameters = null;
      }),
      [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }],
    ],
    [
      'GetSessionToken by a federated user, contained through the IAM user that issued it',
      trailRecord('get-federation-token', (record) => {
        record.eventName = 'GetSessionToken';
        record.userIdentity = {
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
      }),
      [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }],
    ],
  ];

  for (const [what, record, principals] of cases) {
    it(`names the same principals whichever route carries it: ${what}`, async () => {
      assert.deepEqual(await principalsByRoute(record), {
        cloudtrail: principals,
        splunk: principals,
        elastic: principals,
      });
    });
  }
});
