import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ELASTIC_WEBHOOK_BODY, elastic, type ElasticWebhook } from './elastic.js';
import { SOURCES } from './index.js';
import { intakeApp, sourceKit, TOKEN } from './source-test-kit.js';

const FIXTURES = [
  'aws-iam-user-access-key',
  'entra-summary-user-and-app',
  'gcp-service-account-key',
  'unmappable-aws-no-caller',
] as const;

const { fixture, toAlert, refusal, ignored } = sourceKit<ElasticWebhook>(elastic);

const AWS_UUID = '5c1ea4c1b3e0d1a5f2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8';

/** The AWS fixture with its one alert's fields changed ("" clears one, as the template renders a missing field). */
function awsAlert(fields: Record<string, string>): ElasticWebhook {
  const payload = fixture('aws-iam-user-access-key');
  return { ...payload, alerts: [{ ...payload.alerts[0], ...fields }] };
}

const ALICE_KEY = { type: 'aws.accessKey', accountId: '123456789012', accessKeyId: 'AKIAALICE07EXAMPLE01' } as const;
const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';

describe('elastic source: the body template', () => {
  const alertKeys = [...ELASTIC_WEBHOOK_BODY.matchAll(/^\s*"([^"]+)": "\{\{([^}]+)\}\}",?$/gm)]
    .filter(([, , variable]) => !/^(rule|context|kibanaBaseUrl|date)\b/.test(variable!))
    .map(([, key, variable]) => {
      assert.equal(key, variable, 'each alert field is keyed by the ECS name it renders');
      return key!;
    });

  it('keys every alert field by the ECS field it renders, inside {{#context.alerts}} and {{#ParseHjson}}', () => {
    assert.ok(alertKeys.includes('kibana.alert.uuid') && alertKeys.includes('aws.cloudtrail.user_identity.arn'));
    assert.match(
      ELASTIC_WEBHOOK_BODY,
      /^\{\{#ParseHjson\}\}[\s\S]*\{\{#context\.alerts\}\}[\s\S]*\{\{\/context\.alerts\}\}[\s\S]*\{\{\/ParseHjson\}\}\s*$/,
    );
    assert.ok(!ELASTIC_WEBHOOK_BODY.includes('{{{'), 'no triple braces: every value stays JSON-escaped');
  });

  it('matches the rendered fixtures: the same fields, in the same order', () => {
    for (const name of FIXTURES) {
      for (const alert of fixture(name).alerts) assert.deepEqual(Object.keys(alert), alertKeys, name);
    }
  });
});

describe('elastic source: mapping', () => {
  it('is registered as /alerts/elastic and takes credentials in headers only', () => {
    assert.equal(SOURCES.get('elastic'), elastic);
    assert.ok(!elastic.urlToken);
  });

  it('maps a CloudTrail alert to the access key the IAM user signed with, linking the alert in Kibana', () => {
    assert.deepEqual(toAlert(fixture('aws-iam-user-access-key')), {
      source: 'elastic',
      id: '5c1ea4c1b3e0d1a5f2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8',
      title: 'AWS access key used from an unfamiliar ASN',
      severity: 'high',
      observedAt: '2026-11-23T09:14:00.000Z',
      link: 'https://kibana.example.com/app/security/alerts/redirect/5c1ea4c1b3e0d1a5f2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8?index=.alerts-security.alerts-default&timestamp=2026-11-23T09:16:01.873Z',
      principals: [ALICE_KEY],
    });
  });

  it('maps a summary of two Entra sign-in alerts to one alert: the user, the service principal, the highest severity', () => {
    const alert = toAlert(fixture('entra-summary-user-and-app'));
    assert.deepEqual(alert.principals, [
      { type: 'entra.user', tenantId: TENANT, user: 'adele@contoso.example' },
      { type: 'entra.servicePrincipal', tenantId: TENANT, objectId: '2fcca71c-f141-48be-a314-c05e62d8144f' },
    ]);
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.observedAt, '2026-11-23T10:01:12.000Z', 'the earliest source event');
    assert.equal(alert.title, 'Entra sign-in with a token replayed from a new "country" (2 alerts)');
    assert.match(alert.id, /^9b0d7e52-1c3f-4a8b-b6e4-0f2d5c7a9e13:[0-9a-f]{16}$/);
    assert.equal(toAlert(fixture('entra-summary-user-and-app')).id, alert.id, 'a resent summary has the same id');
    assert.equal(alert.link, undefined, 'Kibana without server.publicBaseUrl gives only a path');
  });

  it('maps a Cloud Audit Logs alert to the service account key that signed the call', () => {
    const alert = toAlert(fixture('gcp-service-account-key'));
    assert.deepEqual(alert.principals, [
      {
        type: 'gcp.key',
        keyName:
          'projects/acme-prod/serviceAccounts/etl-runner@acme-prod.iam.gserviceaccount.com/keys/7cac08788d76f0e3341df982da12280a04f2ec85',
      },
    ]);
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.observedAt, '2026-11-23T11:18:09.337Z');
  });

  it('refuses an AWS alert whose source event has no CloudTrail caller, naming the ECS field', () => {
    assert.deepEqual(refusal(fixture('unmappable-aws-no-caller')), [
      {
        field: 'alerts.0.aws.cloudtrail.user_identity.arn',
        message: 'empty: an AWS alert needs the CloudTrail caller (user_identity.arn, or type and user.name)',
      },
    ]);
  });

  it('maps an assumed role from the session issuer ARN', () => {
    const alert = toAlert(
      awsAlert({
        'user.name': 'deploy',
        'aws.cloudtrail.user_identity.type': 'AssumedRole',
        'aws.cloudtrail.user_identity.arn': 'arn:aws:sts::123456789012:assumed-role/deploy/ci-run-42',
        'aws.cloudtrail.user_identity.access_key_id': 'ASIAWHOJDLGPOEXAMPLE',
        'aws.cloudtrail.user_identity.session_context.session_issuer.type': 'Role',
        'aws.cloudtrail.user_identity.session_context.session_issuer.arn': 'arn:aws:iam::123456789012:role/deploy',
      }),
    );
    assert.deepEqual(alert.principals, [{ type: 'aws.role', accountId: '123456789012', roleName: 'deploy' }]);
  });

  it('refuses root credentials, naming the identity type', () => {
    const issues = refusal(
      awsAlert({
        'aws.cloudtrail.user_identity.type': 'Root',
        'aws.cloudtrail.user_identity.arn': 'arn:aws:iam::123456789012:root',
      }),
    );
    assert.equal(issues[0]?.field, 'alerts.0.aws.cloudtrail.user_identity.type');
    assert.match(issues[0]?.message ?? '', /root/);
  });

  it('refuses an alert from no cloud, naming cloud.provider', () => {
    const issues = refusal(
      awsAlert({
        'cloud.provider': '',
        'cloud.account.id': '',
        'aws.cloudtrail.user_identity.type': '',
        'aws.cloudtrail.user_identity.arn': '',
        'aws.cloudtrail.user_identity.access_key_id': '',
      }),
    );
    assert.deepEqual(
      issues.map((i) => i.field),
      ['alerts.0.cloud.provider'],
    );
  });

  it('refuses an Entra alert without its tenant, and a managed identity sign-in', () => {
    const entra = fixture('entra-summary-user-and-app');
    const [user, app] = entra.alerts;
    assert.deepEqual(
      refusal({ ...entra, alerts: [{ ...user, 'azure.tenant_id': '' }] }).map((i) => i.field),
      ['alerts.0.azure.tenant_id'],
    );
    assert.match(
      refusal({ ...entra, alerts: [{ ...app, 'azure.signinlogs.category': 'ManagedIdentitySignInLogs' }] })[0]
        ?.message ?? '',
      /managed identit/,
    );
  });

  it('refuses a Google Cloud alert by a person: only service accounts and their keys are contained', () => {
    const gcp = fixture('gcp-service-account-key');
    const issues = refusal({
      ...gcp,
      alerts: [
        {
          ...gcp.alerts[0],
          'gcp.audit.authentication_info.service_account_key_name': '',
          'client.user.email': 'sam@example.com',
        },
      ],
    });
    assert.deepEqual(
      issues.map((i) => i.field),
      ['alerts.0.client.user.email'],
    );
  });

  it('maps a service account by its address when no key signed the call', () => {
    const gcp = fixture('gcp-service-account-key');
    const alert = toAlert({
      ...gcp,
      alerts: [{ ...gcp.alerts[0], 'gcp.audit.authentication_info.service_account_key_name': '' }],
    });
    assert.deepEqual(alert.principals, [
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'etl-runner@acme-prod.iam.gserviceaccount.com' },
    ]);
  });

  it('contains what a summary names even when one of its alerts cannot be mapped', () => {
    const aws = fixture('aws-iam-user-access-key');
    const unmappable = fixture('unmappable-aws-no-caller');
    const alert = toAlert({ ...aws, alerts: [...unmappable.alerts, ...aws.alerts] });
    assert.deepEqual(alert.principals, [ALICE_KEY]);
  });

  it("falls back to the rule's severity, and joins a relative results link to Kibana's base URL", () => {
    const payload = awsAlert({ 'kibana.alert.severity': '', 'kibana.alert.url': '' });
    const alert = toAlert({ ...payload, results_link: '/app/security/detections/rules/id/3f1c' });
    assert.equal(alert.severity, 'high');
    assert.equal(alert.link, 'https://kibana.example.com/app/security/detections/rules/id/3f1c');
  });

  it('ignores an alert an analyst closed, with the closing reason', () => {
    const closed = awsAlert({
      'kibana.alert.workflow_status': 'closed',
      'kibana.alert.workflow_reason': 'false_positive',
    });
    assert.deepEqual(ignored(closed), {
      field: 'alerts.0.kibana.alert.workflow_status',
      reason: 'Elastic alert is closed (false_positive)',
      alertId: AWS_UUID,
    });
    const unmappable = fixture('unmappable-aws-no-caller');
    unmappable.alerts[0]!['kibana.alert.workflow_status'] = 'closed';
    assert.equal(ignored(unmappable).reason, 'Elastic alert is closed', 'closed before asking what it names');
  });

  it('contains an acknowledged or in-progress alert: someone working on it is no reason to wait', () => {
    for (const status of ['acknowledged', 'in-progress', 'open', '']) {
      assert.deepEqual(toAlert(awsAlert({ 'kibana.alert.workflow_status': status })).principals, [ALICE_KEY], status);
    }
  });

  it('skips the closed alerts of a summary, and ignores a summary whose alerts are all closed', () => {
    const summary = fixture('entra-summary-user-and-app');
    summary.alerts[1]!['kibana.alert.workflow_status'] = 'closed';
    assert.deepEqual(toAlert(summary).principals, [
      { type: 'entra.user', tenantId: TENANT, user: 'adele@contoso.example' },
    ]);
    summary.alerts[0]!['kibana.alert.workflow_status'] = 'closed';
    assert.deepEqual(ignored(summary), {
      field: 'alerts.0.kibana.alert.workflow_status',
      reason: 'all 2 Elastic alerts of the summary are closed',
    });
  });

  it("never refuses a body for what only titles or links it: the rule's name, an odd results link or base URL", () => {
    const payload = fixture('entra-summary-user-and-app');
    const alert = toAlert({
      ...payload,
      rule: { ...payload.rule, name: '', space_id: 7 },
      results_link: 42,
      kibana_base_url: false,
    });
    assert.equal(alert.title, `Elastic rule ${payload.rule.id} (2 alerts)`);
    assert.equal(alert.link, undefined);
  });

  it('refuses a body with no alerts, naming the field', () => {
    const parsed = elastic.schema.safeParse({ ...fixture('aws-iam-user-access-key'), alerts: [] });
    assert.ok(!parsed.success);
    assert.deepEqual(parsed.error.issues[0]?.path, ['alerts']);
  });
});

describe('elastic source: POST /alerts/elastic', () => {
  // What the Kibana Webhook connector sends: its Authorization header, and the rendered body (compact JSON).
  it('starts the mapped alert for a connector with a bearer token', async () => {
    const { post, assertStarted } = intakeApp();
    const alert = fixture('aws-iam-user-access-key');
    await assertStarted(await post('/alerts/elastic', alert), [toAlert(alert)]);
  });

  it('answers 422 naming the ECS field for an unmappable alert, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/elastic', fixture('unmappable-aws-no-caller'));
    const { error, fields } = await assertRefused(res, 422);
    assert.equal(error, 'cannot contain anything from this Elastic Security alert');
    assert.deepEqual(fields, ['alerts.0.aws.cloudtrail.user_identity.arn']);
  });

  it('answers 200 ignored for a closed alert and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const res = await post('/alerts/elastic', awsAlert({ 'kibana.alert.workflow_status': 'closed' }));
    await assertIgnored(res, { field: 'alerts.0.kibana.alert.workflow_status', reason: 'Elastic alert is closed' });
  });

  it('does not take a token in the URL: Kibana can send headers', async () => {
    const { post, assertRefused } = intakeApp();
    await assertRefused(await post(`/alerts/elastic?token=${TOKEN}`, fixture('aws-iam-user-access-key'), {}), 401);
  });
});
