import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { entraIdProtection } from './entra-id-protection.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const ADELE = '13b68baa-9857-4027-813a-52c7304c679f';

const { fixture, toAlert, refusal } = sourceKit(entraIdProtection);

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

  it("refuses Microsoft's published sample, which names no tenant, asking the forwarder to add tenantId", () => {
    const issues = refusal(fixture('unfamiliar-features-no-tenant'));
    assert.deepEqual(
      issues.map((issue) => issue.field),
      ['value.0.tenantId'],
    );
    assert.match(issues[0]?.message ?? '', /add "tenantId" \(the directory id\) to the body you forward/);
  });

  it('takes the tenant from the page when the forwarder added it there; medium risk is medium', () => {
    const alert = toAlert({ ...fixture('unfamiliar-features-no-tenant'), tenantId: TENANT });
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.observedAt, '2018-09-05T00:09:18.7822851Z');
    assert.deepEqual(alert.principals, [{ type: 'entra.user', tenantId: TENANT, user: ADELE }]);
  });

  it('refuses a detection an administrator dismissed or confirmed safe', () => {
    for (const riskState of ['dismissed', 'confirmedSafe']) {
      const issues = refusal({ ...fixture('anomalous-token'), riskState });
      assert.equal(issues[0]?.field, 'riskState');
      assert.match(issues[0]?.message ?? '', new RegExp(`is ${riskState}: an administrator closed it`));
    }
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

  it('answers 422 naming tenantId when the forwarder did not add it, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/entra-id-protection', fixture('unfamiliar-features-no-tenant'));
    const { error, fields } = await assertRefused(res, 422);
    assert.equal(error, 'cannot contain anything from this Microsoft Entra ID Protection alert');
    assert.deepEqual(fields, ['value.0.tenantId']);
  });
});
