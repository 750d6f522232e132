import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EntraSimulator } from './index.js';
import { ADELE, appToken, graph, HELPDESK, MEGAN, responderToken, startTrustedSimulator } from './test-support.js';

describe('Graph users', () => {
  let sim: EntraSimulator;
  let clock = 0;
  before(async () => {
    sim = await startTrustedSimulator({ now: () => new Date(Date.now() + clock) });
  });
  after(() => sim.close());
  beforeEach(() => {
    clock = 0;
    sim.reset();
  });

  it('answers 401 InvalidAuthenticationToken without, with a malformed, or with a forged token', async () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /^Access token is empty\.$/],
      ['not-a-jwt', /^IDX14100: JWT is not well formed/],
      [
        'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl',
        /^Access token validation failure\.$/,
      ],
    ];
    for (const [token, message] of cases) {
      const response = await graph(sim, token, 'GET', `/users/${ADELE.id}`);
      assert.equal(response.status, 401);
      const error = response.json.error as { code: string; message: string; innerError: Record<string, string> };
      assert.equal(error.code, 'InvalidAuthenticationToken');
      assert.match(error.message, message);
      assert.equal(error.innerError['request-id'], response.headers.get('request-id'));
      assert.equal(typeof error.innerError.date, 'string');
      assert.ok(response.headers.get('client-request-id'));
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
  });

  it('refuses an expired token after an hour (plus five minutes of skew)', async () => {
    const token = await responderToken(sim);
    clock = 66 * 60_000;
    const response = await graph(sim, token, 'GET', `/users/${ADELE.id}`);
    assert.equal(response.status, 401);
    assert.match((response.json.error as { message: string }).message, /token is expired/);
  });

  it('reads a user by id or userPrincipalName; accountEnabled needs $select as in Graph', async () => {
    const token = await responderToken(sim);
    const byUpn = await graph(sim, token, 'GET', `/users/${ADELE.upn}`);
    assert.equal(byUpn.status, 200);
    assert.equal(byUpn.json.id, ADELE.id);
    assert.equal(byUpn.json.displayName, 'Adele Vance');
    assert.equal('accountEnabled' in byUpn.json, false);
    const selected = await graph(
      sim,
      token,
      'GET',
      `/users/${ADELE.id}?$select=id,accountEnabled,signInSessionsValidFromDateTime`,
    );
    assert.deepEqual(Object.keys(selected.json).sort(), [
      '@odata.context',
      'accountEnabled',
      'id',
      'signInSessionsValidFromDateTime',
    ]);
    assert.equal(selected.json.accountEnabled, true);
    assert.equal(selected.json.signInSessionsValidFromDateTime, '2026-11-02T08:15:00.000Z');
    assert.match(
      String(selected.json['@odata.context']),
      /\$metadata#users\(id,accountEnabled,signInSessionsValidFromDateTime\)\/\$entity$/,
    );
    const badSelect = await graph(sim, token, 'GET', `/users/${ADELE.id}?$select=password`);
    assert.equal(badSelect.status, 400);
  });

  it('answers 404 Request_ResourceNotFound for an unknown user', async () => {
    const response = await graph(sim, await responderToken(sim), 'GET', '/users/nobody@contoso.example');
    assert.equal(response.status, 404);
    assert.equal((response.json.error as { code: string }).code, 'Request_ResourceNotFound');
  });

  it('answers 403 Authorization_RequestDenied to an app without the required role', async () => {
    const weak = await appToken(sim, HELPDESK.appId, HELPDESK.secret);
    assert.equal((await graph(sim, weak, 'GET', `/users/${ADELE.id}`)).status, 200);
    for (const [method, path, body] of [
      ['POST', `/users/${ADELE.id}/revokeSignInSessions`, undefined],
      ['PATCH', `/users/${ADELE.id}`, { accountEnabled: false }],
    ] as const) {
      const response = await graph(sim, weak, method, path, body);
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.deepEqual(
        response.json.error && (response.json.error as { code: string; message: string }).code,
        'Authorization_RequestDenied',
      );
      assert.equal(
        (response.json.error as { message: string }).message,
        'Insufficient privileges to complete the operation.',
      );
    }
    assert.equal(sim.user(ADELE.id)?.accountEnabled, true);
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('disables a user with PATCH accountEnabled (204) and validates the body', async () => {
    const token = await responderToken(sim);
    const patched = await graph(sim, token, 'PATCH', `/users/${MEGAN.upn}`, { accountEnabled: false });
    assert.equal(patched.status, 204);
    assert.equal(sim.user(MEGAN.id)?.accountEnabled, false);
    assert.equal((await graph(sim, token, 'PATCH', `/users/${MEGAN.id}`, { accountEnabled: 'no' })).status, 400);
    assert.equal((await graph(sim, token, 'PATCH', `/users/${MEGAN.id}`, { passwordProfile: {} })).status, 400);
    assert.deepEqual(
      sim.mutations().log.map((m) => [m.operation, m.target, m.detail]),
      [['updateUser', MEGAN.id, 'accountEnabled=false']],
    );
  });
});
