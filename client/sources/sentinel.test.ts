import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { sentinel } from './sentinel.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const ADELE = '13b68baa-9857-4027-813a-52c7304c679f';

const { fixture, toAlert, refusal, ignored } = sourceKit(sentinel);

const INCIDENT = '73e01a99-5cd7-4139-a149-9f2736ff2ab5';

/** The incident fixture with some of its properties changed. */
function incidentWithProperties(properties: Record<string, unknown>): Record<string, unknown> {
  const body = fixture('incident-token-replay');
  Object.assign((body.object as { properties: Record<string, unknown> }).properties, properties);
  return body;
}

/** The incident fixture with its relatedEntities replaced. */
function incidentWith(relatedEntities: unknown[]): Record<string, unknown> {
  const body = fixture('incident-token-replay');
  const object = body.object as { properties: Record<string, unknown> };
  object.properties.relatedEntities = relatedEntities;
  return body;
}

describe('sentinel: mapping', () => {
  it('maps an incident trigger body: Account entities to Entra users by object id or Name@UPNSuffix, once each', () => {
    assert.deepEqual(toAlert(fixture('incident-token-replay')), {
      source: 'sentinel',
      id: '73e01a99-5cd7-4139-a149-9f2736ff2ab5',
      title: 'Access token replayed from an unfamiliar location',
      severity: 'high',
      observedAt: '2026-11-23T09:02:11.184Z',
      link: 'https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/Incidents/73e01a99-5cd7-4139-a149-9f2736ff2ab5',
      principals: [
        { type: 'entra.user', tenantId: TENANT, user: ADELE },
        { type: 'entra.user', tenantId: TENANT, user: 'megan@contoso.example' },
      ],
    } satisfies Alert);
  });

  it('maps an alert trigger body by its SystemAlertId and PascalCase Entities', () => {
    assert.deepEqual(toAlert(fixture('alert-trigger')), {
      source: 'sentinel',
      id: 'baa8a239-6fde-4ab7-a093-d09f7b75c58c',
      title: 'Sign-in with a replayed refresh token',
      severity: 'medium',
      observedAt: '2026-11-23T10:41:07.000Z',
      principals: [{ type: 'entra.user', tenantId: TENANT, user: ADELE }],
    } satisfies Alert);
  });

  it('refuses an incident whose entities are a host, an IP and an on-premises account, naming each', () => {
    const issues = refusal(fixture('incident-host-ip-only'));
    assert.deepEqual(
      issues.map((issue) => issue.field),
      ['object.properties.relatedEntities', 'object.properties.relatedEntities.2.properties.aadUserId'],
    );
    assert.match(
      issues[0]?.message ?? '',
      /no Entra user or application to contain among the entities \(Host, Ip, Account\)/,
    );
    assert.match(issues[1]?.message ?? '', /administrator has neither AadUserId nor Name \+ UPNSuffix/);
  });

  it('names the missing AadTenantId of an account it cannot place in a tenant', () => {
    const body = fixture('alert-trigger');
    body.Entities = [{ Name: 'adele', UPNSuffix: 'contoso.example', AadUserId: ADELE, Type: 'account' }];
    const issues = refusal(body);
    assert.equal(issues[1]?.field, 'Entities.0.AadTenantId');
    assert.match(issues[1]?.message ?? '', /no AadTenantId: map it in the analytics rule's entity mapping/);
  });

  it("contains a CloudApplication with an Entra AppId in the accounts' tenant, and ignores a catalog AppId", () => {
    const alert = toAlert(
      incidentWith([
        { kind: 'Account', properties: { accountName: 'adele', upnSuffix: 'contoso.example', aadTenantId: TENANT } },
        {
          kind: 'CloudApplication',
          properties: { appId: '7bc8af83-0d73-4bca-a228-a68418ac4812', appName: 'Mail Sync Pro' },
        },
        { kind: 'CloudApplication', properties: { appId: 11161, appName: 'Office 365' } },
      ]),
    );
    assert.deepEqual(alert.principals, [
      { type: 'entra.user', tenantId: TENANT, user: 'adele@contoso.example' },
      { type: 'entra.servicePrincipal', tenantId: TENANT, appId: '7bc8af83-0d73-4bca-a228-a68418ac4812' },
    ]);
  });

  it('maps Informational and Low to low, falls back to createdTimeUtc, and drops a link that is not a URL', () => {
    const body = fixture('incident-token-replay');
    const properties = (body.object as { properties: Record<string, unknown> }).properties;
    Object.assign(properties, { severity: 'Informational', firstActivityTimeUtc: null, incidentUrl: 'not a url' });
    const alert = toAlert(body);
    assert.equal(alert.severity, 'low');
    assert.equal(alert.observedAt, '2026-11-23T09:16:02.7422719Z');
    assert.equal(alert.link, undefined);
    assert.equal(toAlert({ ...fixture('alert-trigger'), Severity: 'Low' }).severity, 'low');
  });

  it('ignores a Closed incident, saying how it was classified, even when its entities name nothing', () => {
    assert.deepEqual(
      ignored(
        incidentWithProperties({
          status: 'Closed',
          classification: 'FalsePositive',
          classificationReason: 'IncorrectAlertLogic',
        }),
      ),
      {
        field: 'object.properties.status',
        reason: 'Sentinel incident is Closed (FalsePositive - IncorrectAlertLogic)',
        alertId: INCIDENT,
      },
    );
    const closedHostOnly = fixture('incident-host-ip-only');
    (closedHostOnly.object as { properties: Record<string, unknown> }).properties.status = 'Closed';
    assert.equal(ignored(closedHostOnly).reason, 'Sentinel incident is Closed');
    for (const status of ['New', 'Active']) {
      assert.equal(toAlert(incidentWithProperties({ status })).id, INCIDENT, status);
    }
  });

  it('ignores an alert trigger body whose alert is Resolved or Dismissed', () => {
    for (const Status of ['Resolved', 'Dismissed']) {
      assert.deepEqual(ignored({ ...fixture('alert-trigger'), Status }), {
        field: 'Status',
        reason: `Sentinel alert is ${Status}`,
        alertId: 'baa8a239-6fde-4ab7-a093-d09f7b75c58c',
      });
    }
    assert.equal(toAlert({ ...fixture('alert-trigger'), Status: 'InProgress' }).source, 'sentinel');
  });

  it('never refuses an incident or alert for what only displays it: title, number, URL, first activity time', () => {
    const incident = toAlert(
      incidentWithProperties({ title: '', incidentNumber: 'three', incidentUrl: 42, firstActivityTimeUtc: 'soon' }),
    );
    assert.equal(incident.title, `Sentinel incident ${INCIDENT}`);
    assert.equal(incident.link, undefined);
    assert.equal(incident.observedAt, '2026-11-23T09:16:02.7422719Z');
    assert.equal(toAlert(incidentWithProperties({ title: null })).title, 'Sentinel incident 3177');
    const alert = toAlert({ ...fixture('alert-trigger'), AlertDisplayName: '', StartTimeUtc: 'n/a', AlertLink: {} });
    assert.equal(alert.title, 'Sentinel alert baa8a239-6fde-4ab7-a093-d09f7b75c58c');
    assert.equal(alert.observedAt, '2026-11-23T10:55:12.6158361Z');
  });

  it('skips an account whose UPN the domain cannot take (a guest #EXT# name), naming it', () => {
    const issues = refusal(
      incidentWith([
        {
          kind: 'Account',
          properties: {
            accountName: 'alice_fabrikam.com#EXT#',
            upnSuffix: 'contoso.onmicrosoft.com',
            aadTenantId: TENANT,
          },
        },
      ]),
    );
    assert.equal(issues[1]?.field, 'object.properties.relatedEntities.0.properties.accountName');
    assert.match(issues[1]?.message ?? '', /^cannot contain it: /);
  });
});

describe('sentinel: POST /alerts/sentinel', () => {
  it('starts the playbook with the mapped incident and answers 202', async () => {
    const { post, assertStarted } = intakeApp();
    const incident = fixture('incident-token-replay');
    await assertStarted(await post('/alerts/sentinel', incident), [toAlert(incident)]);
  });

  it('answers 422 naming the entities when nothing can be contained, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const { error, fields } = await assertRefused(
      await post('/alerts/sentinel', fixture('incident-host-ip-only')),
      422,
    );
    assert.equal(error, 'cannot contain anything from this Microsoft Sentinel alert');
    assert.equal(fields[0], 'object.properties.relatedEntities');
  });

  it('answers 200 ignored with the reason for a Closed incident, so the Logic App does not retry, and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const closed = incidentWithProperties({ status: 'Closed', classification: 'FalsePositive' });
    await assertIgnored(await post('/alerts/sentinel', closed), {
      field: 'object.properties.status',
      reason: 'Sentinel incident is Closed (FalsePositive)',
    });
  });

  it('answers 422 naming the wrong field of a malformed incident', async () => {
    const { post, assertRefused } = intakeApp();
    const body = fixture('incident-token-replay');
    (body.object as { properties: Record<string, unknown> }).properties.severity = 'Critical';
    const { error, fields } = await assertRefused(await post('/alerts/sentinel', body), 422);
    assert.equal(error, 'not a Microsoft Sentinel alert');
    assert.deepEqual(fields, ['object.properties.severity']);
  });
});
