import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSourceAuth } from '../webhook/auth.js';
import { SOURCES } from './index.js';
import { splunk, type SplunkWebhook } from './splunk.js';
import { intakeApp, sourceKit, TOKEN } from './source-test-kit.js';

const { fixture, toAlert, refusal, ignored } = sourceKit<SplunkWebhook>(splunk);

/** The CloudTrail row as a search over ES notables (`` `notable` ``) returns it, with its review fields. */
function notable(review: Record<string, string>): SplunkWebhook {
  const payload = fixture('cloudtrail-iam-user');
  return { ...payload, result: { ...payload.result, event_id: 'A1B2C3D4@@notable@@4f6c2a', ...review } };
}

/** A payload with one result row, as a scheduled search sends it. */
function row(result: SplunkWebhook['result']): SplunkWebhook {
  return { ...fixture('cloudtrail-iam-user'), result };
}

const ALICE = { type: 'aws.user', accountId: '123456789012', userName: 'alice' } as const;
const ALICE_KEY = { type: 'aws.accessKey', accountId: '123456789012', accessKeyId: 'AKIAALICE07EXAMPLE01' } as const;

describe('splunk source: mapping', () => {
  it('is registered as /alerts/splunk and takes its token in the URL', () => {
    assert.equal(SOURCES.get('splunk'), splunk);
    assert.equal(splunk.urlToken, true);
  });

  it('maps a CloudTrail search result (Splunk Add-on for AWS fields) to the access key the IAM user signed with', () => {
    const sid = 'scheduler__admin__search__RMD5e61b3c7d4a2f9b10_at_1795425300_1337';
    assert.deepEqual(toAlert(fixture('cloudtrail-iam-user')), {
      source: 'splunk',
      id: `${sid}:412:118234567`,
      title: 'AWS access key used from an unfamiliar ASN',
      severity: 'high',
      observedAt: '2026-11-23T09:14:00.000Z',
      link: `http://splunk.example.com:8000/app/search/@go?sid=${sid}`,
      principals: [ALICE_KEY],
    });
  });

  it("maps Revoker's field convention: revoker_principal_type, entra_tenant_id and entra_user, urgency as severity", () => {
    const alert = toAlert(fixture('entra-user-convention'));
    assert.deepEqual(alert.principals, [
      { type: 'entra.user', tenantId: '26b7f9fa-ece8-4e81-8997-610171802439', user: 'adele@contoso.example' },
    ]);
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.observedAt, '2026-11-23T10:01:12.000Z');
    assert.equal(alert.title, 'Entra - Refresh token replayed from a new country - Rule');
    assert.match(alert.id, /_at_1795428300_2210:77:40311$/);
  });

  it('maps a stats result over Cloud Audit Logs to the key that signed the calls, severity medium by default', () => {
    const alert = toAlert(fixture('gcp-key-stats'));
    assert.deepEqual(alert.principals, [
      {
        type: 'gcp.key',
        keyName:
          'projects/acme-prod/serviceAccounts/etl-runner@acme-prod.iam.gserviceaccount.com/keys/7cac08788d76f0e3341df982da12280a04f2ec85',
      },
    ]);
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.observedAt, '2026-11-23T11:18:09.000Z');
    // No _cd in a stats row: the id is the sid and a digest of the principals, the same on every send.
    assert.match(alert.id, /^scheduler__admin__search__RMD5c03f9e8a1b7d2e46_at_1795432800_88:[0-9a-f]{16}$/);
    assert.equal(toAlert(fixture('gcp-key-stats')).id, alert.id);
  });

  it("refuses Splunk's own documented example: its row names no principal", () => {
    const issues = refusal(fixture('docs-example-unmappable'));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.field, 'result.revoker_principal_type');
    assert.match(issues[0]?.message ?? '', /names no principal/);
  });

  it('reads an assumed role from the session issuer, and ignores the temporary key', () => {
    const alert = toAlert(
      row({
        'userIdentity.type': 'AssumedRole',
        'userIdentity.arn': 'arn:aws:sts::123456789012:assumed-role/deploy/ci-run-42',
        'userIdentity.accessKeyId': 'ASIAWHOJDLGPOEXAMPLE',
        'userIdentity.sessionContext.sessionIssuer.type': 'Role',
        'userIdentity.sessionContext.sessionIssuer.arn': 'arn:aws:iam::123456789012:role/service/deploy',
        _time: '1795425240',
      }),
    );
    assert.deepEqual(alert.principals, [{ type: 'aws.role', accountId: '123456789012', roleName: 'deploy' }]);
  });

  it('reads the CIM fields user_arn and user_type when the raw userIdentity fields are gone (| table, stats)', () => {
    const alert = toAlert(
      row({ user_arn: 'arn:aws:iam::123456789012:user/alice', user_type: 'IAMUser', _time: '1795425240' }),
    );
    assert.deepEqual(alert.principals, [ALICE]);
  });

  it('refuses root credentials instead of guessing', () => {
    const issues = refusal(row({ 'userIdentity.type': 'Root', 'userIdentity.arn': 'arn:aws:iam::123456789012:root' }));
    assert.equal(issues[0]?.field, 'result.userIdentity.type');
    assert.match(issues[0]?.message ?? '', /root/);
  });

  it('keeps only the principal type a search asks for with revoker_principal_type', () => {
    const result = { ...fixture('cloudtrail-iam-user').result, revoker_principal_type: 'aws.accessKey' };
    assert.deepEqual(toAlert(row(result)).principals, [ALICE_KEY]);
  });

  it('prefers the convention fields: a row that names aws_user_name is not read as its CloudTrail caller', () => {
    const result = { ...fixture('cloudtrail-iam-user').result, aws_user_name: 'bob' };
    assert.deepEqual(toAlert(row(result)).principals, [
      { type: 'aws.user', accountId: '123456789012', userName: 'bob' },
    ]);
  });

  it('maps each value of a multivalue identifier (values(access_key_id)) to a principal', () => {
    const alert = toAlert(
      row({ aws_account_id: '123456789012', access_key_id: ['AKIAALICE07EXAMPLE01', 'AKIAALICE07EXAMPLE02'] }),
    );
    assert.deepEqual(
      alert.principals.map((p) => (p.type === 'aws.accessKey' ? p.accessKeyId : p.type)),
      ['AKIAALICE07EXAMPLE01', 'AKIAALICE07EXAMPLE02'],
    );
  });

  it('refuses a multivalue account rather than pick one', () => {
    const issues = refusal(row({ aws_account_id: ['123456789012', '210987654321'], aws_user_name: 'alice' }));
    assert.equal(issues[0]?.field, 'result.aws_account_id');
    assert.match(issues[0]?.message ?? '', /has 2 values/);
  });

  it('names the missing account of a convention identifier', () => {
    assert.deepEqual(refusal(row({ aws_role_name: 'deploy' })), [
      {
        field: 'result.aws_account_id',
        message: 'missing: aws_role_name names an IAM principal, which needs its 12-digit account id',
      },
    ]);
  });

  it('names what a revoker_principal_type needs when the row lacks it', () => {
    const issues = refusal(row({ revoker_principal_type: 'entra.servicePrincipal', entra_tenant_id: 'x' }));
    assert.equal(issues[0]?.field, 'result.revoker_principal_type');
    assert.match(issues[0]?.message ?? '', /entra_app_id or entra_service_principal_id/);
  });

  it('refuses an unknown revoker_principal_type', () => {
    const issues = refusal(row({ revoker_principal_type: 'aws.session', aws_user_name: 'alice' }));
    assert.equal(issues[0]?.field, 'result.revoker_principal_type');
    assert.match(issues[0]?.message ?? '', /one of aws\.user, aws\.role/);
  });

  it('maps the Entra and Google conventions: entra_app_id, gcp_service_account (project from its address)', () => {
    const alert = toAlert(
      row({
        entra_tenant_id: '26b7f9fa-ece8-4e81-8997-610171802439',
        entra_app_id: '7bc8af83-0d73-4bca-a228-a68418ac4812',
        gcp_service_account: 'etl-runner@acme-prod.iam.gserviceaccount.com',
      }),
    );
    assert.deepEqual(alert.principals, [
      {
        type: 'entra.servicePrincipal',
        tenantId: '26b7f9fa-ece8-4e81-8997-610171802439',
        appId: '7bc8af83-0d73-4bca-a228-a68418ac4812',
      },
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'etl-runner@acme-prod.iam.gserviceaccount.com' },
    ]);
  });

  it('takes revoker_alert_id as the id, informational as low, and the scheduled time when _time is absent', () => {
    const alert = toAlert(
      row({
        aws_account_id: '123456789012',
        aws_user_name: 'alice',
        revoker_alert_id: 'notable-7f3a',
        severity: 'informational',
      }),
    );
    assert.equal(alert.id, 'notable-7f3a');
    assert.equal(alert.severity, 'low');
    assert.equal(alert.observedAt, '2026-11-23T09:15:00.000Z', 'from the sid: …_at_1795425300_…');
  });

  it('never refuses a row for what only titles or links it: an odd search_name or results_link', () => {
    const payload = { ...fixture('cloudtrail-iam-user'), search_name: 42, results_link: { href: 'x' }, app: 1 };
    const alert = toAlert(payload);
    assert.equal(alert.title, `Splunk search ${payload.sid}`);
    assert.equal(alert.link, undefined);
  });

  it('defaults an unknown severity word to medium and leaves out a results_link that is not http(s)', () => {
    const alert = toAlert({
      ...row({ aws_account_id: '123456789012', aws_user_name: 'alice', severity: 'unknown' }),
      results_link: 'splunk.example.com/app/search',
    });
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.link, undefined);
  });
});

describe('splunk source: notable review states', () => {
  it('ignores a notable an analyst resolved or closed, naming status_label', () => {
    for (const label of ['Resolved', 'Closed']) {
      assert.deepEqual(ignored(notable({ status: label === 'Closed' ? '5' : '4', status_label: label })), {
        field: 'result.status_label',
        reason: `Splunk notable event is ${label}`,
        alertId: 'A1B2C3D4@@notable@@4f6c2a',
      });
    }
  });

  it('ignores a notable in a custom end status (status_end), and one dispositioned a false or benign positive', () => {
    assert.deepEqual(ignored(notable({ status_label: 'Closed - Duplicate', status_end: 'true' })), {
      field: 'result.status_end',
      reason: 'Splunk notable event is Closed - Duplicate',
      alertId: 'A1B2C3D4@@notable@@4f6c2a',
    });
    const fp = ignored(
      notable({ status_label: 'New', disposition_label: 'False Positive - Incorrect Analytic Logic' }),
    );
    assert.deepEqual(
      [fp.field, fp.reason],
      ['result.disposition_label', 'Splunk notable event is dispositioned False Positive - Incorrect Analytic Logic'],
    );
    const bp = ignored(notable({ disposition_label: 'Benign Positive - Suspicious But Expected' }));
    assert.equal(bp.field, 'result.disposition_label');
    assert.equal(
      ignored(notable({ status_label: 'Closed', disposition_label: 'True Positive - Suspicious Activity' })).reason,
      'Splunk notable event is Closed',
    );
  });

  it('contains an open notable, and never reads a plain search result as closed', () => {
    const reviews: Record<string, string>[] = [
      { status_label: 'New', status_end: 'false' },
      { status_label: 'In Progress', disposition_label: 'True Positive - Suspicious Activity' },
      { status: 'success' },
      {},
    ];
    for (const review of reviews) {
      assert.deepEqual(toAlert(notable(review)).principals, [ALICE_KEY], JSON.stringify(review));
    }
  });

  it('ignores a closed notable before asking what it names', () => {
    const closed = ignored(row({ status_label: 'Closed', _cd: '7:99' }));
    assert.deepEqual(closed, {
      field: 'result.status_label',
      reason: 'Splunk notable event is Closed',
      alertId: `${fixture('cloudtrail-iam-user').sid}:7:99`,
    });
  });
});

describe('splunk source: POST /alerts/splunk', () => {
  // Splunk's built-in webhook action sets no headers: every request here carries only the URL token.
  const withToken = (token: string) => `/alerts/splunk?token=${token}`;

  it('accepts the token in the URL, as the built-in webhook action sends it, and starts the mapped alert', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post(withToken(TOKEN), fixture('cloudtrail-iam-user'), {});
    await assertStarted(res, [toAlert(fixture('cloudtrail-iam-user'))]);
  });

  it('refuses a wrong URL token with 401 and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post(withToken('not-the-token'), fixture('cloudtrail-iam-user'), {});
    const { error } = await assertRefused(res, 401);
    assert.match(error, /token in the URL is not valid/);
    assert.ok(!error.includes(TOKEN));
  });

  it('refuses a request with no token at all, telling the sender about ?token=', async () => {
    const { post, assertRefused } = intakeApp();
    const { error } = await assertRefused(await post('/alerts/splunk', fixture('cloudtrail-iam-user'), {}), 401);
    assert.match(error, /\?token=<token>/);
  });

  it('answers 422 naming the field for a result that names no principal, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post(withToken(TOKEN), fixture('docs-example-unmappable'), {});
    const { error, fields } = await assertRefused(res, 422);
    assert.equal(error, 'cannot contain anything from this Splunk alert');
    assert.deepEqual(fields, ['result.revoker_principal_type']);
  });

  it('answers 200 ignored for a closed notable and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const res = await post(withToken(TOKEN), notable({ status_label: 'Closed' }), {});
    await assertIgnored(res, { field: 'result.status_label', reason: 'Splunk notable event is Closed' });
  });

  it("answers 422 naming the payload's own wrong field", async () => {
    const { post, assertRefused } = intakeApp();
    const withoutSid: Partial<SplunkWebhook> = fixture('cloudtrail-iam-user');
    delete withoutSid.sid;
    const { fields } = await assertRefused(await post(withToken(TOKEN), withoutSid, {}), 422);
    assert.deepEqual(fields, ['sid']);
  });

  it('takes its own secret from REVOKER_SPLUNK_TOKEN, which replaces the shared token for this route only', async () => {
    const sourceAuth = loadSourceAuth(['splunk'], { REVOKER_SPLUNK_TOKEN: 'splunk-only-token-42' });
    const { post, assertRefused, assertStarted } = intakeApp({ sourceAuth });
    await assertRefused(await post(withToken(TOKEN), fixture('cloudtrail-iam-user'), {}), 401);
    const own = await post(withToken('splunk-only-token-42'), fixture('cloudtrail-iam-user'), {});
    await assertStarted(own, [toAlert(fixture('cloudtrail-iam-user'))]);
  });
});
