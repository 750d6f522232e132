import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import type { StartResult } from '../start-playbook.js';
import { createWebhookApp } from '../webhook/app.js';
import { sentinel } from './sentinel.js';
import { UnmappableAlert } from './source-adapter.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const ADELE = '13b68baa-9857-4027-813a-52c7304c679f';
const TOKEN = 'test-token-0123456789';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/sentinel/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

function map(payload: unknown): Alert {
  return sentinel.toAlert(sentinel.schema.parse(payload));
}

function unmappable(payload: unknown): UnmappableAlert {
  try {
    map(payload);
  } catch (error) {
    if (error instanceof UnmappableAlert) return error;
    throw error;
  }
  assert.fail('expected UnmappableAlert');
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
    assert.deepEqual(map(fixture('incident-token-replay')), {
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
    assert.deepEqual(map(fixture('alert-trigger')), {
      source: 'sentinel',
      id: 'baa8a239-6fde-4ab7-a093-d09f7b75c58c',
      title: 'Sign-in with a replayed refresh token',
      severity: 'medium',
      observedAt: '2026-11-23T10:41:07.000Z',
      principals: [{ type: 'entra.user', tenantId: TENANT, user: ADELE }],
    } satisfies Alert);
  });

  it('refuses an incident whose entities are a host, an IP and an on-premises account, naming each', () => {
    const error = unmappable(fixture('incident-host-ip-only'));
    assert.deepEqual(
      error.issues.map((issue) => issue.field),
      ['object.properties.relatedEntities', 'object.properties.relatedEntities.2.properties.aadUserId'],
    );
    assert.match(
      error.issues[0]?.message ?? '',
      /no Entra user or application to contain among the entities \(Host, Ip, Account\)/,
    );
    assert.match(error.issues[1]?.message ?? '', /administrator has neither AadUserId nor Name \+ UPNSuffix/);
  });

  it('names the missing AadTenantId of an account it cannot place in a tenant', () => {
    const body = fixture('alert-trigger');
    body.Entities = [{ Name: 'adele', UPNSuffix: 'contoso.example', AadUserId: ADELE, Type: 'account' }];
    const error = unmappable(body);
    assert.equal(error.issues[1]?.field, 'Entities.0.AadTenantId');
    assert.match(error.issues[1]?.message ?? '', /no AadTenantId: map it in the analytics rule's entity mapping/);
  });

  it("contains a CloudApplication with an Entra AppId in the accounts' tenant, and ignores a catalog AppId", () => {
    const alert = map(
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
    const alert = map(body);
    assert.equal(alert.severity, 'low');
    assert.equal(alert.observedAt, '2026-11-23T09:16:02.7422719Z');
    assert.equal(alert.link, undefined);
    assert.equal(map({ ...fixture('alert-trigger'), Severity: 'Low' }).severity, 'low');
  });

  it('skips an account whose UPN the domain cannot take (a guest #EXT# name), naming it', () => {
    const error = unmappable(
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
    assert.equal(error.issues[1]?.field, 'object.properties.relatedEntities.0.properties.accountName');
    assert.match(error.issues[1]?.message ?? '', /^cannot contain it: /);
  });
});

describe('sentinel: POST /alerts/sentinel', () => {
  function intake() {
    const calls: Alert[] = [];
    const result: StartResult = {
      workflowId: 'contain/x',
      runId: 'run-1',
      uiUrl: 'http://ui',
      merged: false,
      duplicate: false,
    };
    const app = createWebhookApp({
      auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
      startPlaybook: (alert) => {
        calls.push(alert);
        return Promise.resolve(result);
      },
    });
    const post = (body: unknown) =>
      app.request('/alerts/sentinel', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      });
    return { calls, post };
  }

  it('starts the playbook with the mapped incident and answers 202', async () => {
    const { calls, post } = intake();
    const res = await post(fixture('incident-token-replay'));
    assert.equal(res.status, 202);
    assert.deepEqual(calls, [map(fixture('incident-token-replay'))]);
  });

  it('answers 422 naming the entities when nothing can be contained, and starts nothing', async () => {
    const { calls, post } = intake();
    const res = await post(fixture('incident-host-ip-only'));
    assert.equal(res.status, 422);
    const body = (await res.json()) as { error: string; issues: { field: string; message: string }[] };
    assert.equal(body.error, 'cannot contain anything from this Microsoft Sentinel alert');
    assert.equal(body.issues[0]?.field, 'object.properties.relatedEntities');
    assert.equal(calls.length, 0);
  });

  it('answers 422 naming the wrong field of a malformed incident', async () => {
    const { calls, post } = intake();
    const body = fixture('incident-token-replay');
    (body.object as { properties: Record<string, unknown> }).properties.severity = 'Critical';
    const res = await post(body);
    assert.equal(res.status, 422);
    const reply = (await res.json()) as { error: string; issues: { field: string }[] };
    assert.equal(reply.error, 'not a Microsoft Sentinel alert');
    assert.deepEqual(
      reply.issues.map((issue) => issue.field),
      ['object.properties.severity'],
    );
    assert.equal(calls.length, 0);
  });
});
