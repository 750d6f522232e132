import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { describeIssues } from '../../connect/field-issues.js';
import { scc } from './scc.js';
import { intakeApp, sourceKit, TOKEN } from './source-test-kit.js';

const ETL_KEY =
  'projects/acme-prod/serviceAccounts/etl-runner@acme-prod.iam.gserviceaccount.com/keys/7cac08788d76f0e3341df982da12280a04f2ec85';

interface Notification {
  finding: {
    state?: string;
    mute?: string;
    severity?: string;
    resourceName?: string;
    category?: string;
    access?: Record<string, string>;
    sourceProperties?: Record<string, unknown>;
  };
}

const { fixture, fixtureText, toAlert, refusal, ignored } = sourceKit<Notification>(scc);

/** The decoded SCC notification a fixture carries, as its `.notification.json` file shows it. */
function notification(name: string): Notification {
  return fixture(`${name}.notification`);
}

/** A push request, as Pub/Sub sends it, around a notification. */
function push(body: unknown): { message: { data: string; messageId: string }; subscription: string } {
  return {
    message: { data: Buffer.from(JSON.stringify(body)).toString('base64'), messageId: '17296484912345678' },
    subscription: 'projects/acme-prod/subscriptions/revoker-scc',
  };
}

function schemaIssues(body: unknown): string[] {
  const result = scc.schema.safeParse(body);
  if (result.success) return assert.fail('the body was accepted');
  return describeIssues(result.error).map((i) => `${i.field}: ${i.message}`);
}

const FIXTURES = ['leaked-key-used', 'service-account-self-investigation', 'user-anomalous-grant'];

describe('scc source', () => {
  it('keeps each push fixture in step with the notification it carries', () => {
    for (const name of FIXTURES) {
      const body = JSON.parse(fixtureText(name)) as { message: { data: string } };
      const decoded = JSON.parse(Buffer.from(body.message.data, 'base64').toString('utf8')) as unknown;
      assert.deepEqual(decoded, notification(name), name);
    }
  });

  it('contains the leaked key that was used (and through it its service account)', () => {
    const name =
      'organizations/123456789/sources/5086434876318917131/locations/global/findings/4c8bd2ab7c1d4e5f9a0b1c2d3e4f5a6b';
    assert.deepEqual(toAlert(JSON.parse(fixtureText('leaked-key-used'))), {
      source: 'scc',
      id: name,
      title: 'Initial Access: Leaked Service Account Key Used (etl-runner@acme-prod.iam.gserviceaccount.com)',
      severity: 'high',
      observedAt: '2026-11-23T10:31:27.503Z',
      link: `https://console.cloud.google.com/security/command-center/findingsv2;name=${encodeURIComponent(name)}?organizationId=123456789`,
      principals: [{ type: 'gcp.key', keyName: ETL_KEY }],
    } satisfies Alert);
  });

  it('contains the service account that acted when the finding names no key', () => {
    const alert = toAlert(JSON.parse(fixtureText('service-account-self-investigation')));
    assert.deepEqual(alert.principals, [
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'reporting@acme-prod.iam.gserviceaccount.com' },
    ]);
    assert.equal(alert.severity, 'medium');
    assert.equal(
      alert.id,
      'organizations/123456789/sources/5086434876318917131/findings/9e1f3a5c7b9d4f6e8a0c2e4f6a8b0d2f',
    );
  });

  it('refuses a user account, naming the field under message.data', () => {
    const [issue, ...more] = refusal(JSON.parse(fixtureText('user-anomalous-grant')));
    assert.equal(issue?.field, 'message.data.finding.access.principalEmail');
    assert.match(issue?.message ?? '', /alice@acme\.example is not a service account/);
    assert.deepEqual(more, []);
  });

  it('takes the bare notification a subscription with payload unwrapping sends', () => {
    assert.deepEqual(toAlert(notification('leaked-key-used')), toAlert(JSON.parse(fixtureText('leaked-key-used'))));
    assert.equal(refusal(notification('user-anomalous-grant'))[0]?.field, 'finding.access.principalEmail');
  });

  it('ignores inactive and muted findings, before asking who acted', () => {
    const name =
      'organizations/123456789/sources/5086434876318917131/locations/global/findings/1d3f5b7a9c0e2f4b6d8a0c1e3f5a7b9c';
    const inactive = notification('user-anomalous-grant');
    inactive.finding.state = 'INACTIVE';
    assert.deepEqual(ignored(push(inactive)), {
      field: 'message.data.finding.state',
      reason: 'SCC finding is INACTIVE',
      alertId: name,
    });

    const muted = notification('user-anomalous-grant');
    muted.finding.mute = 'MUTED';
    assert.deepEqual(ignored(muted), { field: 'finding.mute', reason: 'SCC finding is MUTED', alertId: name });

    const unmuted = notification('leaked-key-used');
    unmuted.finding.mute = 'UNMUTED';
    assert.equal(toAlert(push(unmuted)).source, 'scc');
  });

  it('refuses a finding whose state is neither ACTIVE nor INACTIVE, naming the state', () => {
    const unspecified = notification('leaked-key-used');
    unspecified.finding.state = 'STATE_UNSPECIFIED';
    assert.equal(refusal(push(unspecified))[0]?.field, 'message.data.finding.state');
  });

  it('contains the service account Event Threat Detection names only in sourceProperties (nested)', () => {
    const REPORTING = 'reporting@acme-prod.iam.gserviceaccount.com';
    // The shape of a real "Discovery: Service Account Self-Investigation" finding: the actor under the detector's object.
    const selfInvestigation = notification('service-account-self-investigation');
    delete selfInvestigation.finding.access;
    selfInvestigation.finding.sourceProperties = {
      detectionCategory: { ruleName: 'iam_anomalous_behavior', subRuleName: 'service_account_gets_own_iam_policy' },
      properties: {
        serviceAccountGetsOwnIamPolicy: {
          principalEmail: REPORTING,
          projectId: 'acme-prod',
          callerIp: '198.51.100.140',
        },
      },
    };
    const account = { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: REPORTING };
    assert.deepEqual(toAlert(push(selfInvestigation)).principals, [account]);

    const direct = notification('service-account-self-investigation');
    delete direct.finding.access;
    direct.finding.sourceProperties = { properties: { principalEmail: REPORTING } };
    assert.deepEqual(toAlert(push(direct)).principals, [account]);
  });

  it('contains the key Event Threat Detection names in sourceProperties.properties, with its account', () => {
    const leaked = notification('leaked-key-used');
    delete leaked.finding.access;
    leaked.finding.sourceProperties = {
      properties: {
        principalEmail: 'etl-runner@acme-prod.iam.gserviceaccount.com',
        serviceAccountKeyName: `//iam.googleapis.com/${ETL_KEY}`,
      },
    };
    assert.deepEqual(toAlert(push(leaked)).principals, [{ type: 'gcp.key', keyName: ETL_KEY }]);
  });

  it('reads the flattened sourceProperties of older notifications, and names their field when it refuses', () => {
    const grant = notification('user-anomalous-grant');
    delete grant.finding.access;
    // As security-response-automation's recorded SCC notification of an anomalous grant has it.
    grant.finding.sourceProperties = {
      detectionCategory_ruleName: 'iam_anomalous_grant',
      properties_principalEmail: 'alice@acme.example',
      properties_bindingDeltas_0_member: 'user:mallory@example.net',
    };
    const [issue] = refusal(push(grant));
    assert.equal(issue?.field, 'message.data.finding.sourceProperties.properties_principalEmail');
    assert.match(issue?.message ?? '', /alice@acme\.example is not a service account/);

    const bySa = notification('user-anomalous-grant');
    delete bySa.finding.access;
    bySa.finding.sourceProperties = {
      properties_sensitiveRoleGrant_principalEmail: 'deployer@acme-prod.iam.gserviceaccount.com',
    };
    assert.deepEqual(toAlert(push(bySa)).principals, [
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'deployer@acme-prod.iam.gserviceaccount.com' },
    ]);
  });

  it("names the grantor of an anomalous grant, never the grantee, and prefers the finding's access", () => {
    const grant = notification('user-anomalous-grant');
    delete grant.finding.access;
    grant.finding.sourceProperties = {
      properties: {
        sensitiveRoleGrant: {
          principalEmail: 'deployer@acme-prod.iam.gserviceaccount.com',
          bindingDeltas: [
            { action: 'ADD', role: 'roles/owner', member: 'serviceAccount:x@evil-proj.iam.gserviceaccount.com' },
          ],
          members: ['serviceAccount:x@evil-proj.iam.gserviceaccount.com'],
        },
      },
    };
    assert.deepEqual(toAlert(push(grant)).principals, [
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'deployer@acme-prod.iam.gserviceaccount.com' },
    ]);

    const both = notification('user-anomalous-grant');
    both.finding.sourceProperties = grant.finding.sourceProperties;
    assert.equal(refusal(push(both))[0]?.field, 'message.data.finding.access.principalEmail');
  });

  it('never refuses a finding for its category, which only titles it', () => {
    const uncategorised = notification('leaked-key-used');
    delete uncategorised.finding.category;
    assert.equal(
      toAlert(push(uncategorised)).title,
      'Security Command Center finding (etl-runner@acme-prod.iam.gserviceaccount.com)',
    );
  });

  it('leaves an unrated finding to a responder as medium', () => {
    const unrated = notification('leaked-key-used');
    unrated.finding.severity = 'SEVERITY_UNSPECIFIED';
    assert.equal(toAlert(push(unrated)).severity, 'medium');
    delete unrated.finding.severity;
    assert.equal(toAlert(push(unrated)).severity, 'medium');
  });

  it('names a key by its account email when the key path names the account by unique id', () => {
    const byId = notification('leaked-key-used');
    byId.finding.access!.serviceAccountKeyName =
      '//iam.googleapis.com/projects/acme-prod/serviceAccounts/104821673905182736452/keys/7cac08788d76f0e3341df982da12280a04f2ec85';
    assert.deepEqual(toAlert(push(byId)).principals, [{ type: 'gcp.key', keyName: ETL_KEY }]);
  });

  it('contains the key or account a finding is about when nobody acted', () => {
    const aboutKey = notification('leaked-key-used');
    delete aboutKey.finding.access;
    aboutKey.finding.resourceName = `//iam.googleapis.com/${ETL_KEY}`;
    assert.deepEqual(toAlert(push(aboutKey)).principals, [{ type: 'gcp.key', keyName: ETL_KEY }]);

    const aboutAccount = notification('leaked-key-used');
    delete aboutAccount.finding.access;
    aboutAccount.finding.resourceName =
      '//iam.googleapis.com/projects/acme-prod/serviceAccounts/reporting@acme-prod.iam.gserviceaccount.com';
    assert.deepEqual(toAlert(push(aboutAccount)).principals, [
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'reporting@acme-prod.iam.gserviceaccount.com' },
    ]);
  });

  it('refuses Google-managed service agents, which cannot be disabled', () => {
    const agent = notification('service-account-self-investigation');
    agent.finding.access = { principalEmail: 'service-418273950164@gcp-sa-pubsub.iam.gserviceaccount.com' };
    const [issue] = refusal(push(agent));
    assert.equal(issue?.field, 'message.data.finding.access.principalEmail');
    assert.match(issue?.message ?? '', /not a user-managed service account.*service agents cannot be disabled/);
  });

  it('names message.data when the data is not base64 JSON of a notification', () => {
    const body = JSON.parse(fixtureText('leaked-key-used')) as { message: { data: string } };
    assert.deepEqual(schemaIssues({ ...body, message: { ...body.message, data: 'not base64!' } }), [
      'message.data: not base64: Pub/Sub push delivers the message data base64-encoded',
    ]);
    const notJson = Buffer.from('{"finding": ').toString('base64');
    assert.match(
      schemaIssues({ ...body, message: { ...body.message, data: notJson } })[0] ?? '',
      /^message\.data: the decoded data is not JSON/,
    );
    const noTime: { finding: Record<string, unknown> } = notification('leaked-key-used');
    delete noTime.finding.eventTime;
    assert.deepEqual(
      schemaIssues(push(noTime)).map((i) => i.split(':')[0]),
      ['message.data.finding.eventTime'],
    );
  });
});

describe('POST /alerts/scc', () => {
  // Pub/Sub push sends no header of its own: the token rides in the endpoint URL.
  const PUSH_ENDPOINT = `/alerts/scc?token=${TOKEN}`;

  it('accepts the token in the URL and starts the playbook with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post(PUSH_ENDPOINT, fixtureText('leaked-key-used'), {});
    await assertStarted(res, [toAlert(JSON.parse(fixtureText('leaked-key-used')))]);
  });

  it('also accepts the bearer token, for senders that can set a header', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/scc', fixtureText('service-account-self-investigation'));
    await assertStarted(res, [toAlert(JSON.parse(fixtureText('service-account-self-investigation')))]);
  });

  it('still takes the URL token when Pub/Sub attaches its OIDC token, which Revoker does not verify', async () => {
    const { post, assertStarted } = intakeApp();
    const oidc = { Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' };
    const res = await post(PUSH_ENDPOINT, fixtureText('leaked-key-used'), oidc);
    await assertStarted(res, [toAlert(JSON.parse(fixtureText('leaked-key-used')))]);
  });

  it('refuses a wrong token in the URL with 401 and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/scc?token=not-the-token', fixtureText('leaked-key-used'), {});
    assert.match((await assertRefused(res, 401)).error, /token in the URL is not valid/);
  });

  it('answers 422 naming the field for a user account, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const { fields } = await assertRefused(await post(PUSH_ENDPOINT, fixtureText('user-anomalous-grant'), {}), 422);
    assert.deepEqual(fields, ['message.data.finding.access.principalEmail']);
  });

  it('answers 200 ignored for an inactive finding, so Pub/Sub does not redeliver it, and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const inactive = notification('leaked-key-used');
    inactive.finding.state = 'INACTIVE';
    await assertIgnored(await post(PUSH_ENDPOINT, push(inactive), {}), {
      field: 'message.data.finding.state',
      reason: 'SCC finding is INACTIVE',
    });
  });

  it('answers 422 naming message.data when it is not base64, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const notBase64 = { message: { data: '%%%', messageId: '1' }, subscription: 'projects/p/subscriptions/s' };
    const { fields } = await assertRefused(await post(PUSH_ENDPOINT, notBase64, {}), 422);
    assert.deepEqual(fields, ['message.data']);
  });
});
