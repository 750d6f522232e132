import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import type { StartResult } from '../start-playbook.js';
import { createWebhookApp } from '../webhook/app.js';
import { defender } from './defender.js';
import { UnmappableAlert } from './source-adapter.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const TOKEN = 'test-token-0123456789';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/defender/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

function map(payload: unknown): Alert {
  return defender.toAlert(defender.schema.parse(payload));
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

describe('defender: mapping', () => {
  it('maps user evidence to an Entra user by object id and OAuth app evidence to a service principal by appId', () => {
    assert.deepEqual(map(fixture('token-theft-alert')), {
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
    assert.deepEqual(map(fixture('list-page-one-alert')), {
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
    const error = unmappable(fixture('device-evidence-only'));
    assert.deepEqual(
      error.issues.map((issue) => issue.field),
      ['evidence'],
    );
    assert.match(
      error.issues[0]?.message ?? '',
      /among the evidence \(deviceEvidence, fileEvidence, processEvidence, registryKeyEvidence\)/,
    );
  });

  it('refuses a list page with more than one alert: one request is one alert', () => {
    const alert = fixture('token-theft-alert');
    const error = unmappable({ value: [alert, { ...alert, id: 'another' }] });
    assert.deepEqual(error.issues, [{ field: 'value', message: 'post one alert per request: this page holds 2' }]);
  });

  it('names a Defender for Cloud Apps app id when it is the only application', () => {
    const alert = fixture('token-theft-alert');
    const evidence = alert.evidence as Record<string, unknown>[];
    const error = unmappable({ ...alert, evidence: evidence.filter((e) => e.appId === 11161) });
    assert.equal(error.issues[1]?.field, 'evidence.0.appId');
    assert.match(error.issues[1]?.message ?? '', /Office 365 \(11161\) is a Defender for Cloud Apps app id/);
  });

  it('maps unknown severity to medium', () => {
    assert.equal(map({ ...fixture('token-theft-alert'), severity: 'unknownFutureValue' }).severity, 'medium');
  });
});

describe('defender: POST /alerts/defender', () => {
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
      app.request('/alerts/defender', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      });
    return { calls, post };
  }

  it('starts the playbook with the mapped alert and answers 202', async () => {
    const { calls, post } = intake();
    const res = await post(fixture('token-theft-alert'));
    assert.equal(res.status, 202);
    assert.deepEqual(calls, [map(fixture('token-theft-alert'))]);
  });

  it('answers 422 naming the evidence when nothing can be contained, and starts nothing', async () => {
    const { calls, post } = intake();
    const res = await post(fixture('device-evidence-only'));
    assert.equal(res.status, 422);
    const body = (await res.json()) as { error: string; issues: { field: string }[] };
    assert.equal(body.error, 'cannot contain anything from this Microsoft Defender (Graph alert_v2) alert');
    assert.deepEqual(
      body.issues.map((issue) => issue.field),
      ['evidence'],
    );
    assert.equal(calls.length, 0);
  });

  it('answers 422 naming tenantId when the alert has none', async () => {
    const { calls, post } = intake();
    const alert = fixture('token-theft-alert');
    delete alert.tenantId;
    const res = await post(alert);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { issues: { field: string }[] };
    assert.deepEqual(
      body.issues.map((issue) => issue.field),
      ['tenantId'],
    );
    assert.equal(calls.length, 0);
  });
});
