// Property-based fuzzing of every webhook route in process (Hono's app.request): whatever a sender
// sends — any bytes, any content type, any credential — the intake answers without a crash or a 5xx,
// a 4xx is JSON that says why (a 422 names each field), and only a valid, authenticated alert starts.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Alert } from '../../domain/alert.js';
import { playbookWorkflowId } from '../../domain/playbook-input.js';
import { PlaybookGoneError, type LinkPlaybooks } from '../approval-links/link-playbooks.js';
import { SOURCES } from '../sources/index.js';
import { createWebhookApp, DEFAULT_BODY_LIMIT_BYTES, MAX_REPLY_ISSUES } from './app.js';
import { signRequest } from './auth.js';
import { mutate } from '../fuzz-mutate.js';

const TOKEN = 'fuzz-token-0123456789';
const SECRET = 'fuzz-hmac-secret-0123456789';
const LINK_SECRET = 'fuzz-link-secret-0123456789-0123456789';
/** Runs per property: with the fixture mutations in client/sources, well over 10,000 bodies per `npm test`. */
const RUNS = Number(process.env.REVOKER_FUZZ_RUNS ?? 2500);

const VALID: Alert = {
  source: 'splunk',
  id: 'fuzz-1',
  title: 'Access key used from a new ASN',
  severity: 'high',
  observedAt: '2026-11-23T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }],
};

/** One vendor fixture per source, as a start from which mutations reach past the schema. */
const FIXTURES: Record<string, unknown[]> = Object.fromEntries(
  [...SOURCES.keys()].map((name) => {
    const dir = new URL(`../sources/fixtures/${name}/`, import.meta.url);
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    } catch {
      // no fixtures for this source
    }
    const parsed = files.map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as unknown);
    return [name, name === 'generic' ? [VALID, ...parsed] : parsed];
  }),
);

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'status', 'id'),
  fc.string({ maxLength: 12 }),
);
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\ud800', 'a\udc00', '\u0000', '\u202e', 'x'.repeat(3000), '1e999', 'null'),
);
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const encoder = new TextEncoder();
const routes = [...SOURCES.keys()];

/** A source's fixture, kept or with one field changed, for that source's route: the path that reaches a start. */
const nearValid = fc
  .record({
    source: fc.constantFrom(...routes),
    pick: fc.nat(),
    keep: fc.boolean(),
    choices: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    leaf: hostileJson,
  })
  .map(({ source, pick, keep, choices, leaf }) => {
    const fixture = FIXTURES[source]![pick % FIXTURES[source]!.length];
    const value = keep ? fixture : mutate(fixture, choices, leaf);
    return { route: `/alerts/${source}`, bytes: encoder.encode(JSON.stringify(value)) };
  });

/** A body, as bytes: JSON (near-valid and random), and the shapes that break parsers. */
const body = fc.oneof(
  nearValid.map(({ bytes }) => bytes),
  hostileJson.map((value) => encoder.encode(JSON.stringify(value) ?? 'undefined')),
  fc.record({ keys: fc.array(hostileKey, { maxLength: 8 }), value: hostileJson }).map(({ keys, value }) =>
    // Raw text, so `__proto__` is an own key of the parsed object as JSON.parse makes it.
    encoder.encode(
      `{${[...keys, '__proto__'].map((key) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`,
    ),
  ),
  fc.integer({ min: 1, max: 120_000 }).map((depth) => encoder.encode(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 1, max: 60_000 }).map((depth) => encoder.encode(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.integer({ min: 1, max: 120_000 }).map((n) => encoder.encode(`[${'0,'.repeat(n)}0]`)),
  fc
    .integer({ min: 1, max: 12_000 })
    .map((n) => encoder.encode(JSON.stringify({ ...VALID, principals: Array(n).fill(VALID.principals[0]) }))),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom(
    Uint8Array.of(0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d), // {"\xff\xfe":1}
    Uint8Array.of(0xef, 0xbb, 0xbf, ...encoder.encode(JSON.stringify(VALID))), // a BOM
    Uint8Array.of(0xc0, 0xaf), // an overlong encoding
    Uint8Array.of(0xed, 0xa0, 0x80), // a surrogate encoded as UTF-8
    new Uint8Array(DEFAULT_BODY_LIMIT_BYTES + 1).fill(0x20),
  ),
);

const contentType = fc.constantFrom<string | undefined>(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
  undefined,
);

type Credential = 'bearer' | 'wrong-bearer' | 'hmac' | 'replayed-hmac' | 'future-hmac' | 'url-token' | 'none';
const credential = fc.constantFrom<Credential>(
  'bearer',
  'bearer',
  'hmac',
  'wrong-bearer',
  'replayed-hmac',
  'future-hmac',
  'url-token',
  'none',
);

function headersFor(kind: Credential, bytes: Uint8Array): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'bearer':
      return { Authorization: `Bearer ${TOKEN}` };
    case 'wrong-bearer':
      return { Authorization: `Bearer ${TOKEN}x` };
    case 'hmac':
      return signRequest(SECRET, bytes, now);
    case 'replayed-hmac':
      // Captured six minutes ago: the signature is good, the timestamp too old.
      return signRequest(SECRET, bytes, now - 360);
    case 'future-hmac':
      return signRequest(SECRET, bytes, now + 3600);
    default:
      return {};
  }
}

const AUTHENTICATING: Credential[] = ['bearer', 'hmac'];

function fuzzApp() {
  const started: Alert[] = [];
  const decided: unknown[] = [];
  const playbooks: LinkPlaybooks = {
    status: () => Promise.reject(new PlaybookGoneError('no such run')),
    decide: (_run, request) => {
      decided.push(request);
      return Promise.reject(new PlaybookGoneError('no such run'));
    },
  };
  const app = createWebhookApp({
    auth: { bearerTokens: [TOKEN], hmacSecrets: [SECRET] },
    startPlaybook: (alert) => {
      started.push(alert);
      const workflowId = playbookWorkflowId(alert.principals);
      return Promise.resolve({
        workflowId,
        runId: 'r',
        uiUrl: 'u',
        outcome: 'started',
        merged: false,
        duplicate: false,
      });
    },
    ready: () => Promise.resolve(),
    links: { secrets: [LINK_SECRET], playbooks },
  });
  return { app, started, decided };
}

/** What every reply must be: no 5xx, JSON or the link pages' HTML, a 4xx that says why, a 422 naming fields. */
async function checkReply(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  assert.ok(res.status < 500, `${what}: ${res.status} ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) {
    assert.match(type, /text\/html/, `${what}: ${res.status} answered ${type}`);
    return undefined;
  }
  const reply = JSON.parse(text) as { error?: unknown; issues?: { field?: unknown }[]; issueCount?: number };
  if (res.status >= 400) assert.equal(typeof reply.error, 'string', `${what}: a ${res.status} says why`);
  if (res.status === 422 && reply.issues) {
    assert.ok(reply.issues.length > 0 && reply.issues.length <= MAX_REPLY_ISSUES, `${what}: 1 to 20 issues`);
    for (const issue of reply.issues)
      assert.ok(typeof issue.field === 'string' && issue.field, `${what}: names a field`);
  }
  assert.ok(text.length < 16 * 1024, `${what}: a ${text.length}-byte reply`);
  return reply;
}

describe('fuzzing the webhook', () => {
  it(`answers any body on any alert route with no 5xx, and starts only valid authenticated alerts (${RUNS} runs)`, async () => {
    const { app, started } = fuzzApp();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 2, arbitrary: nearValid },
          fc.record({
            route: fc.constantFrom(
              '/alerts',
              ...routes.map((r) => `/alerts/${r}`),
              '/alerts/nope',
              '/alerts/__proto__',
            ),
            bytes: body,
          }),
        ),
        fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, contentType),
        credential,
        fc.constantFrom('POST', 'POST', 'POST', 'POST', 'PUT', 'GET'),
        async ({ route, bytes }, type, kind, method) => {
          const before = started.length;
          const url = kind === 'url-token' ? `${route}?token=${TOKEN}` : route;
          const res = await app.request(url, {
            method,
            ...(method === 'GET' ? {} : { body: bytes }),
            headers: { ...(type === undefined ? {} : { 'Content-Type': type }), ...headersFor(kind, bytes) },
          });
          const what = `${method} ${url} ${kind} ${type} ${bytes.length} bytes`;
          await checkReply(res, what);
          const urlTokenRoute = kind === 'url-token' && SOURCES.get(route.split('/')[2] ?? '')?.urlToken;
          if (res.status === 202) {
            assert.ok(AUTHENTICATING.includes(kind) || urlTokenRoute, `${what}: started without a credential`);
            assert.equal(started.length, before + 1, `${what}: a 202 started exactly one alert`);
            assert.ok(Alert.safeParse(started.at(-1)).success, `${what}: started an invalid alert`);
          } else {
            assert.equal(started.length, before, `${what}: answered ${res.status} yet started an alert`);
          }
          if (!AUTHENTICATING.includes(kind) && !urlTokenRoute && method === 'POST' && route.startsWith('/alerts')) {
            assert.ok([401, 404, 413].includes(res.status), `${what}: unauthenticated answered ${res.status}`);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The mutations keep most of a fixture: some still map, so the property reaches the start.
    assert.ok(started.length > RUNS / 50, `${started.length} of ${RUNS} started`);
  });

  it(`answers anything on the link, health and unknown routes with no 5xx, and decides nothing (${Math.round(RUNS / 2)} runs)`, async () => {
    const { app, decided, started } = fuzzApp();
    const token = fc.oneof(
      fc.string({ maxLength: 60 }).map(encodeURIComponent),
      fc.base64String({ maxLength: 300 }).map((s) => `${s}.${s}.${s}`.replace(/[+/=]/g, '_')),
      fc.constantFrom('decide', '__proto__', '%ff', '%E0%A4%A', 'a'.repeat(5000), '..%2f..%2fetc'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          token.map((t) => `/links/${t}`),
          fc.constantFrom('/links/decide', '/links/', '/healthz', '/readyz', '/nope', '/alerts/%ff', '/%00'),
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'),
        body,
        contentType,
        fc.option(fc.string({ maxLength: 200 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`)),
        async (path, method, bytes, type, authorization) => {
          const res = await app.request(path, {
            method,
            ...(method === 'GET' || method === 'HEAD' ? {} : { body: bytes }),
            headers: {
              ...(type === undefined ? {} : { 'Content-Type': type }),
              ...(authorization ? { Authorization: authorization } : {}),
            },
          });
          if (method === 'HEAD') assert.ok(res.status < 500, `HEAD ${path}: ${res.status}`);
          else await checkReply(res, `${method} ${path.slice(0, 80)} ${bytes.length} bytes`);
        },
      ),
      { numRuns: Math.round(RUNS / 2) },
    );
    assert.deepEqual(decided, [], 'no forged or malformed link decided anything');
    assert.deepEqual(started, []);
  });
});
