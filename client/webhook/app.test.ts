import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import type { Alert } from '../../domain/alert.js';
import { playbookWorkflowId } from '../../domain/playbook-input.js';
import { SOURCES } from '../sources/index.js';
import { pino } from 'pino';
import { defineSource, IgnoredAlert, UnmappableAlert } from '../sources/source-adapter.js';
import type { StartResult } from '../start-playbook.js';
import { createWebhookApp, type WebhookDeps } from './app.js';
import { signRequest } from './auth.js';
import { startWebhookServer } from './server.js';

const TOKEN = 'test-token-0123456789';
const SECRET = 'test-hmac-secret-0123456789';
const ALERT: Alert = {
  source: 'splunk',
  id: 'notable-42',
  title: 'Access key used from a new ASN',
  severity: 'high',
  observedAt: '2026-11-23T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }],
};
const RESULT: StartResult = {
  workflowId: 'contain/aws/123456789012/user/alice',
  runId: 'run-1',
  uiUrl: 'http://localhost:8233/namespaces/default/workflows/contain%2Faws%2F123456789012%2Fuser%2Falice/run-1/history',
  outcome: 'started',
  merged: false,
  duplicate: false,
};

/** A start function that records what it was given: the refusals below must never reach it. */
function recordingStart(
  outcome: (alert: Alert) => Promise<StartResult> = (alert) =>
    Promise.resolve({ ...RESULT, workflowId: playbookWorkflowId(alert.principals) }),
) {
  const calls: Alert[] = [];
  const start = (alert: Alert) => {
    calls.push(alert);
    return outcome(alert);
  };
  return { calls, start };
}

function appWith(start: WebhookDeps['startPlaybook'], extra: Partial<WebhookDeps> = {}) {
  return createWebhookApp({ auth: { bearerTokens: [TOKEN], hmacSecrets: [SECRET] }, startPlaybook: start, ...extra });
}

function post(body: string, headers: Record<string, string> = {}) {
  return {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
  };
}

describe('webhook intake', () => {
  let recorder: ReturnType<typeof recordingStart>;
  let app: ReturnType<typeof appWith>;

  beforeEach(() => {
    recorder = recordingStart();
    app = appWith(recorder.start);
  });

  it('starts a playbook for a valid alert with a bearer token and answers 202 with the start result', async () => {
    const res = await app.request('/alerts', post(JSON.stringify(ALERT)));
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), RESULT);
    assert.deepEqual(recorder.calls, [ALERT]);
  });

  it('accepts an HMAC-signed alert', async () => {
    const body = JSON.stringify(ALERT);
    const res = await app.request('/alerts', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...signRequest(SECRET, body) },
    });
    assert.equal(res.status, 202);
    assert.equal(recorder.calls.length, 1);
  });

  it('accepts any of several secrets, so they can be rotated', async () => {
    const rotating = createWebhookApp({
      auth: { bearerTokens: ['old-token', TOKEN], hmacSecrets: ['old-secret', SECRET] },
      startPlaybook: recorder.start,
    });
    const body = JSON.stringify(ALERT);
    const signed = { 'Content-Type': 'application/json', ...signRequest('old-secret', body) };
    assert.equal((await rotating.request('/alerts', { method: 'POST', body, headers: signed })).status, 202);
    assert.equal((await rotating.request('/alerts', post(body))).status, 202);
  });

  it('refuses a wrong token with 401 and a challenge, and starts nothing', async () => {
    const res = await app.request('/alerts', post(JSON.stringify(ALERT), { Authorization: 'Bearer not-the-token' }));
    assert.equal(res.status, 401);
    assert.match(res.headers.get('WWW-Authenticate') ?? '', /^Bearer realm="revoker"/);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /bearer token is not valid/);
    assert.ok(!body.error.includes(TOKEN));
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses a request without credentials before looking at its body', async () => {
    const res = await app.request('/alerts', {
      method: 'POST',
      body: 'this is not JSON',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(res.status, 401, 'credentials are checked before content type or JSON');
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses a replayed signature whose timestamp is older than five minutes', async () => {
    const body = JSON.stringify(ALERT);
    const stale = Math.floor(Date.now() / 1000) - 301;
    const res = await app.request('/alerts', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...signRequest(SECRET, body, stale) },
    });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: string }).error, /more than 300 s from the server's clock/);
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses a signature made with another secret or over another body', async () => {
    const body = JSON.stringify(ALERT);
    const tampered = JSON.stringify({ ...ALERT, severity: 'low' });
    for (const headers of [signRequest('guessed-secret', body), signRequest(SECRET, tampered)]) {
      const res = await app.request('/alerts', {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', ...headers },
      });
      assert.equal(res.status, 401);
      assert.match(((await res.json()) as { error: string }).error, /does not match the body/);
    }
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses a body over the size limit with 413', async () => {
    const small = appWith(recorder.start, { bodyLimitBytes: 1024 });
    const res = await small.request('/alerts', post(JSON.stringify({ ...ALERT, title: 'x'.repeat(2000) })));
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, /1024-byte limit/);
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses a body that is not application/json with 415', async () => {
    const res = await app.request('/alerts', post(JSON.stringify(ALERT), { 'Content-Type': 'text/plain' }));
    assert.equal(res.status, 415);
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await app.request('/alerts', post('{"source": "splunk",'));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /^body is not valid JSON: /);
    assert.equal(recorder.calls.length, 0);
  });

  it('refuses an invalid alert with 422, naming each wrong field', async () => {
    const invalid = {
      ...ALERT,
      severity: 'urgent',
      principals: [{ type: 'aws.user', accountId: '1234', userName: 'alice' }],
      extra: true,
    };
    const res = await app.request('/alerts', post(JSON.stringify(invalid)));
    assert.equal(res.status, 422);
    const body = (await res.json()) as { error: string; issues: { field: string; message: string }[] };
    assert.equal(body.error, 'not a Revoker generic JSON alert');
    assert.deepEqual(body.issues.map((issue) => issue.field).sort(), ['extra', 'principals.0.accountId', 'severity']);
    assert.match(body.issues.find((issue) => issue.field === 'principals.0.accountId')?.message ?? '', /12 digits/);
    assert.equal(recorder.calls.length, 0);
  });

  it('caps a 422 at the first 20 issues and a count: a 256 KB body of unknown keys gets a short reply and log line', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const crafted: Record<string, unknown> = { ...ALERT, [`k${'x'.repeat(5000)}`]: 1 };
    for (let i = 0, size = JSON.stringify(crafted).length; size < 250 * 1024; i++, size += 20) crafted[`u${i}`] = i;
    const body = JSON.stringify(crafted);
    const res = await appWith(recorder.start, { logger }).request('/alerts', post(body));
    assert.equal(res.status, 422);
    const text = await res.text();
    const reply = JSON.parse(text) as { issues: { field: string }[]; issueCount: number };
    assert.equal(reply.issues.length, 20);
    assert.ok(reply.issueCount > 10_000, `${reply.issueCount} issues counted`);
    assert.ok(reply.issues[0]!.field.length <= 201, 'a 5,000-character key is cut');
    assert.ok(text.length < 8 * 1024, `a ${text.length}-byte reply to a ${body.length}-byte body`);
    const logged = lines.find((line) => line.includes('not a Revoker generic JSON alert'));
    assert.ok(logged && logged.length < 8 * 1024, `a ${logged?.length}-byte log line`);
    assert.equal(recorder.calls.length, 0);
  });

  it('names the body itself when it is not an object', async () => {
    const res = await app.request('/alerts', post('[]'));
    assert.equal(res.status, 422);
    assert.deepEqual(((await res.json()) as { issues: { field: string }[] }).issues[0]?.field, '(body)');
  });

  it('answers 503 with Retry-After when Temporal cannot take the alert, so the sender retries', async () => {
    const failing = recordingStart(() => Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED')));
    const res = await appWith(failing.start).request('/alerts', post(JSON.stringify(ALERT)));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('Retry-After'), '30');
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /retry later/);
    assert.ok(!body.error.includes('ECONNREFUSED'), 'internal details stay in the log');
    assert.equal(failing.calls.length, 1);
  });

  it('answers health checks and unknown routes in JSON', async () => {
    const health = await app.request('/healthz');
    assert.deepEqual([health.status, await health.json()], [200, { ok: true }]);
    const missing = await app.request('/nope');
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /no route GET \/nope/);
    const wrongMethod = await app.request('/alerts');
    assert.deepEqual([wrongMethod.status, wrongMethod.headers.get('Allow')], [405, 'POST']);
  });

  it('refuses to start with no credentials configured', () => {
    assert.throws(
      () => createWebhookApp({ auth: { bearerTokens: [], hmacSecrets: [] }, startPlaybook: recorder.start }),
      /at least one bearer token, HMAC secret or client certificate subject/,
    );
  });
});

describe('startWebhookServer', () => {
  it('serves the app on an ephemeral port and enforces the size limit on a real socket', async () => {
    const recorder = recordingStart();
    const server = await startWebhookServer({
      port: 0,
      host: '127.0.0.1',
      app: appWith(recorder.start, { bodyLimitBytes: 1024 }),
    });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.doesNotMatch(server.url, /:0$/);
      const accepted = await fetch(`${server.url}/alerts`, post(JSON.stringify(ALERT)));
      assert.equal(accepted.status, 202);
      const tooBig = await fetch(`${server.url}/alerts`, post('x'.repeat(4096)));
      assert.equal(tooBig.status, 413);
      assert.equal(recorder.calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('says which address is taken', async () => {
    const first = await startWebhookServer({ port: 0, host: '127.0.0.1', app: appWith(recordingStart().start) });
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(
        startWebhookServer({ port, host: '127.0.0.1', app: appWith(recordingStart().start) }),
        new RegExp(`cannot listen on 127.0.0.1:${port}: the port is in use`),
      );
    } finally {
      await first.close();
    }
  });
});

describe('native sources, per-source credentials and limits', () => {
  const hook = defineSource({
    name: 'hook',
    label: 'Test Hook',
    schema: z.looseObject({ key: z.string(), user: z.string().optional(), closed: z.boolean().optional() }),
    urlToken: true,
    toAlert: ({ key, user, closed }) => {
      if (closed) throw new IgnoredAlert({ field: 'closed', reason: 'Test Hook alert is closed', alertId: key });
      if (!user) throw new UnmappableAlert([{ field: 'user', message: 'names no user Revoker can contain' }]);
      return {
        ...ALERT,
        source: 'hook',
        id: key,
        principals: [{ type: 'aws.user', accountId: '123456789012', userName: user }],
      };
    },
  });
  const sources = new Map([...SOURCES, ['hook', hook]]);
  let recorder: ReturnType<typeof recordingStart>;
  beforeEach(() => (recorder = recordingStart()));
  const appFor = (extra: Partial<WebhookDeps> = {}) => appWith(recorder.start, { sources, ...extra });
  const send = (app: ReturnType<typeof appWith>, path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...headers },
    });

  it('maps a source payload into an alert, or answers 422 naming what is missing', async () => {
    const ok = await send(appFor(), '/alerts/hook', { key: 'k1', user: 'alice' }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 202);
    assert.deepEqual(
      recorder.calls.map((a) => [a.source, a.id]),
      [['hook', 'k1']],
    );
    const unmappable = await send(appFor(), '/alerts/hook', { key: 'k2' }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(unmappable.status, 422);
    assert.deepEqual(((await unmappable.json()) as { issues: unknown }).issues, [
      { field: 'user', message: 'names no user Revoker can contain' },
    ]);
    const wrong = await send(appFor(), '/alerts/hook', { user: 'alice' }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(wrong.status, 422);
    assert.match(JSON.stringify(await wrong.json()), /"field":"key"/);
    assert.equal(recorder.calls.length, 1);
  });

  it("answers 200 ignored with the reason for an alert its source closed, in the started reply's shape, and logs it", async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const res = await send(appFor({ logger }), '/alerts/hook', { key: 'k9', user: 'alice', closed: true }, auth);
    assert.equal(res.status, 200, 'a 2xx: the SIEM does not send it again');
    assert.deepEqual(await res.json(), {
      outcome: 'ignored',
      field: 'closed',
      reason: 'Test Hook alert is closed',
      alertId: 'k9',
      merged: false,
      duplicate: false,
    });
    assert.deepEqual(recorder.calls, [], 'nothing started');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.reason);
    assert.deepEqual(logged && [logged.msg, logged.source, logged.alertId, logged.field, logged.reason], [
      'ignored an alert its source has closed',
      'hook',
      'k9',
      'closed',
      'Test Hook alert is closed',
    ]);
  });

  it('ignores closed alerts beyond the rate limit too, and spends none of it on them', async () => {
    const app = appFor({ rateLimit: { burst: 1, perSecond: 0.1 } });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 5; i++) {
      assert.equal((await send(app, '/alerts/hook', { key: `c${i}`, user: `u${i}`, closed: true }, auth)).status, 200);
    }
    assert.equal((await send(app, '/alerts/hook', { key: 'open', user: 'carol' }, auth)).status, 202);
  });

  it('ignores a closed alert in a native source payload: a Sentinel incident closed as a false positive', async () => {
    const incident = {
      object: {
        name: '73e01a99-5cd7-4139-a149-9f2736ff2ab5',
        properties: {
          title: 'Access token replayed',
          severity: 'High',
          status: 'Closed',
          classification: 'FalsePositive',
          createdTimeUtc: '2026-11-23T09:16:02Z',
          relatedEntities: [],
        },
      },
    };
    const res = await send(appFor(), '/alerts/sentinel', incident, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual([body.outcome, body.reason], ['ignored', 'Sentinel incident is Closed (FalsePositive)']);
    assert.equal(recorder.calls.length, 0);
  });

  it('takes a generic alert whose status is closed as ignored, and one whose status is open as any other', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const closed = await send(appFor(), '/alerts', { ...ALERT, status: 'closed' }, auth);
    assert.deepEqual([closed.status, ((await closed.json()) as Record<string, unknown>).field], [200, 'status']);
    const open = await send(appFor(), '/alerts', { ...ALERT, status: 'open' }, auth);
    assert.equal(open.status, 202);
    assert.deepEqual(recorder.calls, [ALERT], 'the status is not part of the alert');
    const unknown = await send(appFor(), '/alerts', { ...ALERT, status: 'resolved' }, auth);
    assert.equal(unknown.status, 422);
  });

  it('names the known sources for an unknown one', async () => {
    const res = await send(appFor(), '/alerts/nope', {}, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /one of .*hook/);
  });

  it('takes a URL token only from sources that cannot send headers, and a source secret only on its route', async () => {
    const app = appFor({ sourceAuth: { hook: { bearerTokens: ['hook-only'], hmacSecrets: [] } } });
    assert.equal((await send(app, '/alerts/hook?token=hook-only', { key: 'k', user: 'alice' })).status, 202);
    assert.equal((await send(app, '/alerts/hook?token=wrong', { key: 'k', user: 'alice' })).status, 401);
    assert.equal(
      (await send(app, '/alerts/hook', { key: 'k', user: 'alice' }, { Authorization: `Bearer ${TOKEN}` })).status,
      401,
      'the shared token does not open a source with its own',
    );
    assert.equal(
      (await send(app, `/alerts?token=${TOKEN}`, ALERT)).status,
      401,
      'the generic route takes no URL token',
    );
    assert.equal(recorder.calls.length, 1);
  });

  it('answers 429 with Retry-After beyond the rate limit, per source', async () => {
    const app = appFor({ rateLimit: { burst: 2, perSecond: 0.1 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await send(app, '/alerts/hook', { key: `k${i}`, user: `user${i}` }, { Authorization: `Bearer ${TOKEN}` }))
          .status,
      );
    }
    assert.deepEqual(statuses, [202, 202, 429]);
    const limited = await send(app, '/alerts/hook', { key: 'k', user: 'bob' }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(limited.headers.get('retry-after'), '10');
    assert.equal(
      (await send(app, '/alerts', ALERT, { Authorization: `Bearer ${TOKEN}` })).status,
      202,
      'another source has its own budget',
    );
  });

  it("keeps a rate limit per credential: a noisy sender with one token spends none of another token's budget", async () => {
    const app = appWith(recorder.start, {
      sources,
      auth: { bearerTokens: [TOKEN, 'second-token-0123456789'], hmacSecrets: [SECRET] },
      rateLimit: { burst: 2, perSecond: 0.1 },
    });
    const noisy = [];
    for (let i = 0; i < 5; i++) {
      noisy.push(
        (await send(app, '/alerts/hook', { key: `n${i}`, user: `noisy${i}` }, { Authorization: `Bearer ${TOKEN}` }))
          .status,
      );
    }
    assert.deepEqual(noisy, [202, 202, 429, 429, 429]);
    const other = { Authorization: 'Bearer second-token-0123456789' };
    assert.equal((await send(app, '/alerts/hook', { key: 'o1', user: 'quiet1' }, other)).status, 202);
    const body = JSON.stringify({ key: 'h1', user: 'quiet2' });
    const signed = await app.request('/alerts/hook', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...signRequest(SECRET, body) },
    });
    assert.equal(signed.status, 202, 'a signed sender has its own budget too');
  });

  it('never throttles an alert that joins an incident already open, and spends nothing on unauthenticated requests', async () => {
    const app = appFor({ rateLimit: { burst: 1, perSecond: 0.1 } });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 50; i++) {
      assert.equal((await send(app, '/alerts/hook', { key: `k${i}`, user: 'alice' })).status, 401);
    }
    const storm = [];
    for (let i = 0; i < 100; i++)
      storm.push((await send(app, '/alerts/hook', { key: `s${i}`, user: 'alice' }, auth)).status);
    assert.deepEqual(new Set(storm), new Set([202]), 'one start, then merges into the open incident');
    assert.equal(
      (await send(app, '/alerts/hook', { key: 'new', user: 'carol' }, auth)).status,
      429,
      'a new incident waits',
    );
  });

  it('never throttles alerts about principals whose alert joined another open incident', async () => {
    // Intake answered with another incident (one holding alice under every name): alice's alerts join it.
    const joined = recordingStart(() =>
      Promise.resolve({ ...RESULT, workflowId: 'contain/aws/x/user/alice+entra/y', outcome: 'merged' }),
    );
    const app = appWith(joined.start, { sources, rateLimit: { burst: 1, perSecond: 0.1 } });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await send(app, '/alerts/hook', { key: `j${i}`, user: 'alice' }, auth)).status);
    assert.deepEqual(new Set(statuses), new Set([202]));
    assert.equal(joined.calls.length, 20);
  });

  it('reports readiness from Temporal', async () => {
    assert.equal((await appFor({ ready: () => Promise.resolve() }).request('/readyz')).status, 200);
    const down = await appFor({ ready: () => Promise.reject(new Error('unavailable')) }).request('/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '30');
  });
});
