import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { defender } from './defender.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';

const { fixture, toAlert, refusal, ignored } = sourceKit(defender);

const ALERT_ID = 'da637578995287051192_756343937';

describe('defender: mapping', () => {
  it('maps user evidence to an Entra user by object id and OAuth app evidence to a service principal by appId', () => {
    assert.deepEqual(toAlert(fixture('token-theft-alert')), {
      source: 'defender',
      id: 'da637578995287051192_756343937',
      title: 'Suspicious OAuth app activity with a stolen user token',
      severity: 'high',
      observedAt: '2026-11-23T11:45:50.116Z',
      link: 'https://security.microsoft.com/alerts/da637578995287051192_756343937?tid=26b7f9fa-ece8-4e81-8997-610171802439',
      principals: [
        { type: 'entra.user', tenantId: TENANT, user: '13b68baa-9857-4027-813a-52c7304c679f' },
        { type: 'entra.servicePrincipal', tenantId: TENANT, appId: '7bc8af83-0d73-4bca-a228-a68418ac4812' },
      ],
    } satisfies Alert);
  });

  it('takes a list page holding one alert: mailbox and user evidence of one UPN give one user, informational is low', () => {
    assert.deepEqual(toAlert(fixture('list-page-one-alert')), {
      source: 'defender',
      id: 'da637551227677560813_-961444813',
      title: 'Suspicious inbox forwarding rule',
      severity: 'low',
      observedAt: '2026-11-23T13:05:12.1234567Z',
      link: 'https://security.microsoft.com/alerts/da637551227677560813_-961444813?tid=26b7f9fa-ece8-4e81-8997-610171802439',
      principals: [{ type: 'entra.user', tenantId: TENANT, user: 'megan@contoso.example' }],
    } satisfies Alert);
  });

  it("refuses Microsoft's published sample (device, file, process and registry evidence), naming the evidence", () => {
    const issues = refusal(fixture('device-evidence-only'));
    assert.deepEqual(
      issues.map((issue) => issue.field),
      ['evidence'],
    );
    assert.match(
      issues[0]?.message ?? '',
      /among the evidence \(deviceEvidence, fileEvidence, processEvidence, registryKeyEvidence\)/,
    );
  });

  it('refuses a list page with more than one alert: one request is one alert', () => {
    const alert = fixture('token-theft-alert');
    const issues = refusal({ value: [alert, { ...alert, id: 'another' }] });
    assert.deepEqual(issues, [{ field: 'value', message: 'post one alert per request: this page holds 2' }]);
  });

  it('names a Defender for Cloud Apps app id when it is the only application', () => {
    const alert = fixture('token-theft-alert');
    const evidence = alert.evidence as Record<string, unknown>[];
    const issues = refusal({ ...alert, evidence: evidence.filter((e) => e.appId === 11161) });
    assert.equal(issues[1]?.field, 'evidence.0.appId');
    assert.match(issues[1]?.message ?? '', /Office 365 \(11161\) is a Defender for Cloud Apps app id/);
  });

  it('ignores a resolved alert, saying how it was classified', () => {
    assert.deepEqual(ignored({ ...fixture('token-theft-alert'), status: 'resolved', classification: 'truePositive' }), {
      field: 'status',
      reason: 'Defender alert is resolved (truePositive)',
      alertId: ALERT_ID,
    });
    assert.equal(
      ignored({ ...fixture('token-theft-alert'), status: 'resolved', classification: 'unknown' }).reason,
      'Defender alert is resolved',
    );
  });

  it('ignores an alert classified as a false positive or expected activity while it is still open', () => {
    for (const classification of ['falsePositive', 'informationalExpectedActivity']) {
      assert.deepEqual(ignored({ ...fixture('token-theft-alert'), status: 'inProgress', classification }), {
        field: 'classification',
        reason: `Defender alert is classified ${classification} (status inProgress)`,
        alertId: ALERT_ID,
      });
    }
    const page = fixture('list-page-one-alert') as { value: Record<string, unknown>[] };
    page.value[0] = { ...page.value[0], classification: 'falsePositive' };
    assert.equal(ignored(page).field, 'value.0.classification');
  });

  it('contains an alert that is new or in progress, unclassified or a true positive', () => {
    for (const [status, classification] of [
      ['new', 'unknown'],
      ['inProgress', 'truePositive'],
      ['unknownFutureValue', null],
    ]) {
      assert.equal(toAlert({ ...fixture('token-theft-alert'), status, classification }).id, ALERT_ID);
    }
  });

  it('ignores a closed alert before asking for evidence it can contain', () => {
    assert.equal(ignored({ ...fixture('device-evidence-only'), status: 'resolved' }).field, 'status');
  });

  it('never refuses an alert for its title, portal link or first activity time', () => {
    const alert = toAlert({
      ...fixture('token-theft-alert'),
      title: '',
      alertWebUrl: 7,
      firstActivityDateTime: 'a while ago',
    });
    assert.equal(alert.title, `Defender alert ${ALERT_ID}`);
    assert.equal(alert.link, undefined);
    assert.equal(alert.observedAt, fixture('token-theft-alert').createdDateTime);
  });

  it('maps unknown severity to medium', () => {
    assert.equal(toAlert({ ...fixture('token-theft-alert'), severity: 'unknownFutureValue' }).severity, 'medium');
  });
});

describe('defender: POST /alerts/defender', () => {
  it('starts the playbook with the mapped alert and answers 202', async () => {
    const { post, assertStarted } = intakeApp();
    const alert = fixture('token-theft-alert');
    await assertStarted(await post('/alerts/defender', alert), [toAlert(alert)]);
  });

  it('answers 422 naming the evidence when nothing can be contained, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const { error, fields } = await assertRefused(await post('/alerts/defender', fixture('device-evidence-only')), 422);
    assert.equal(error, 'cannot contain anything from this Microsoft Defender (Graph alert_v2) alert');
    assert.deepEqual(fields, ['evidence']);
  });

  it('answers 200 ignored for a resolved false positive, so the poller moves on, and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const resolved = { ...fixture('token-theft-alert'), status: 'resolved', classification: 'falsePositive' };
    await assertIgnored(await post('/alerts/defender', resolved), {
      field: 'status',
      reason: 'Defender alert is resolved (falsePositive)',
    });
  });

  it('answers 422 naming tenantId when the alert has none', async () => {
    const { post, assertRefused } = intakeApp();
    const alert = fixture('token-theft-alert');
    delete alert.tenantId;
    const { fields } = await assertRefused(await post('/alerts/defender', alert), 422);
    assert.deepEqual(fields, ['tenantId']);
  });
});
