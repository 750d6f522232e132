import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { entraIdProtection } from './entra-id-protection.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const ADELE = '13b68baa-9857-4027-813a-52c7304c679f';

const { fixture, toAlert, refusal, ignored } = sourceKit(entraIdProtection);

/** Microsoft's published sample (a list page, remediated, no tenant), with its one detection changed. */
function sample(fields: Record<string, unknown>) {
  const page = fixture('unfamiliar-features-no-tenant') as { value: Record<string, unknown>[] };
  return { ...page, value: [{ ...page.value[0], ...fields }] };
}

describe('entra-id-protection: mapping', () => {
  it('maps a user risk detection to the Entra user by object id, with the alertUrl from additionalInfo', () => {
    assert.deepEqual(toAlert(fixture('anomalous-token')), {
      source: 'entra-id-protection',
      id: '6a5874ca-abcd-4d82-9d82-5ad39bd71600',
      title: 'Entra ID Protection: anomalousToken (risk high) for adele@contoso.example',
      severity: 'high',
      observedAt: '2026-11-23T09:02:11.1840000Z',
      link: 'https://security.microsoft.com/alerts/ad6a5874ca-abcd-4d82-9d82-5ad39bd71600?tid=26b7f9fa-ece8-4e81-8997-610171802439',
      principals: [{ type: 'entra.user', tenantId: TENANT, user: ADELE }],
    } satisfies Alert);
  });

  it('maps a service principal risk detection to the service principal by appId', () => {
    assert.deepEqual(toAlert(fixture('service-principal-threat-intelligence')), {
      source: 'entra-id-protection',
      id: '2856d6e87c5c3a74021ff70291fa68107570c150d8dc145bdea5',
      title: 'Entra ID Protection: investigationsThreatIntelligence (risk high) for app Mail Sync Pro',
      severity: 'high',
      observedAt: '2026-11-23T00:00:00Z',
      principals: [{ type: 'entra.servicePrincipal', tenantId: TENANT, appId: '7bc8af83-0d73-4bca-a228-a68418ac4812' }],
    } satisfies Alert);
  });

  it("contains Microsoft's published sample though the user remediated it: a password reset leaves stolen tokens", () => {
    const alert = toAlert({ ...fixture('unfamiliar-features-no-tenant'), tenantId: TENANT });
    assert.equal(alert.id, '6a5874ca-abcd-4d82-9d82-5ad39bd71601');
    assert.equal(alert.principals.length, 1);
  });

  it('refuses a detection at risk that names no tenant, asking the forwarder to add tenantId', () => {
    const issues = refusal(sample({ riskState: 'atRisk' }));
    assert.deepEqual(
      issues.map((issue) => issue.field),
      ['value.0.tenantId'],
    );
    assert.match(issues[0]?.message ?? '', /add "tenantId" \(the directory id\) to the body you forward/);
  });

  it('takes the tenant from the page when the forwarder added it there; medium risk is medium', () => {
    const alert = toAlert({ ...sample({ riskState: 'atRisk' }), tenantId: TENANT });
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.observedAt, '2018-09-05T00:09:18.7822851Z');
    assert.deepEqual(alert.principals, [{ type: 'entra.user', tenantId: TENANT, user: ADELE }]);
  });

  it('ignores a detection dismissed or confirmed safe, before asking for anything else', () => {
    for (const riskState of ['dismissed', 'confirmedSafe']) {
      assert.deepEqual(ignored({ ...fixture('anomalous-token'), riskState, tenantId: undefined, userId: null }), {
        field: 'riskState',
        reason: `Entra ID Protection detection is ${riskState}`,
        alertId: '6a5874ca-abcd-4d82-9d82-5ad39bd71600',
      });
    }
    for (const riskState of ['atRisk', 'confirmedCompromised', 'none', 'remediated']) {
      assert.equal(toAlert({ ...fixture('anomalous-token'), riskState }).source, 'entra-id-protection', riskState);
    }
  });

  it('never refuses a detection for its display fields: an empty riskEventType, an odd activityDateTime', () => {
    const alert = toAlert({ ...fixture('anomalous-token'), riskEventType: '', activityDateTime: 'yesterday' });
    assert.equal(alert.title, 'Entra ID Protection: risk detection (risk high) for adele@contoso.example');
    assert.equal(alert.observedAt, fixture('anomalous-token').detectedDateTime);
  });

  it('maps hidden and none risk levels to medium and low', () => {
    assert.equal(toAlert({ ...fixture('anomalous-token'), riskLevel: 'hidden' }).severity, 'medium');
    assert.equal(toAlert({ ...fixture('anomalous-token'), riskLevel: 'none' }).severity, 'low');
  });

  it('falls back to the UPN when userId is not an object id, and to servicePrincipalId without an appId', () => {
    const byUpn = toAlert({ ...fixture('anomalous-token'), userId: null });
    assert.deepEqual(byUpn.principals, [{ type: 'entra.user', tenantId: TENANT, user: 'adele@contoso.example' }]);
    const bySp = toAlert({ ...fixture('service-principal-threat-intelligence'), appId: null });
    assert.deepEqual(bySp.principals, [
      { type: 'entra.servicePrincipal', tenantId: TENANT, objectId: '2fcca71c-f141-48be-a314-c05e62d8144f' },
    ]);
  });
});

describe('entra-id-protection: POST /alerts/entra-id-protection', () => {
  it('starts the playbook with the mapped detection and answers 202', async () => {
    const { post, assertStarted } = intakeApp();
    const detection = fixture('anomalous-token');
    await assertStarted(await post('/alerts/entra-id-protection', detection), [toAlert(detection)]);
  });

  it('answers 200 ignored for a dismissed detection, so the poller does not resend it, and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const page = fixture('unfamiliar-features-no-tenant') as { value: Record<string, unknown>[] };
    const dismissed = { ...page, value: page.value.map((d) => ({ ...d, riskState: 'dismissed' })) };
    const res = await post('/alerts/entra-id-protection', dismissed);
    await assertIgnored(res, { field: 'value.0.riskState', reason: 'Entra ID Protection detection is dismissed' });
  });

  it('answers 422 naming tenantId when the forwarder did not add it, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/entra-id-protection', sample({ riskState: 'atRisk' }));
    const { error, fields } = await assertRefused(res, 422);
    assert.equal(error, 'cannot contain anything from this Microsoft Entra ID Protection alert');
    assert.deepEqual(fields, ['value.0.tenantId']);
  });
});
