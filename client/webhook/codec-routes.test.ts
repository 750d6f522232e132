import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncryptionCodec, newPayloadKeys } from '../../connect/payload-codec.js';
import { createWebhookApp } from './app.js';
import type { CodecAuth } from './codec-routes.js';

const UI = 'http://localhost:8233';
const TOKEN = 'codec-token-for-tests-0123456789';
const codec = new EncryptionCodec(newPayloadKeys('test'));

function app(auth: CodecAuth = { bearerTokens: [TOKEN] }, peer = '203.0.113.9') {
  return createWebhookApp({
    auth: { bearerTokens: ['intake-token-for-tests-0123456789'], hmacSecrets: [] },
    startPlaybook: () => Promise.reject(new Error('not in these tests')),
    codec: { codec, auth, uiOrigins: [UI], namespace: 'default', remoteAddress: () => peer },
  });
}

const json = (payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

async function encrypted(value: unknown) {
  const [payload] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return json(payload ?? {});
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Origin: UI, ...headers },
  body: JSON.stringify(body),
});

describe('codec endpoint', () => {
  it('answers the Web UI preflight with its origin, POST and the X-Namespace header', async () => {
    const response = await app().request('/codec/decode', {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace',
      },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), UI);
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    const other = await app().request('/codec/decode', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.notEqual(other.headers.get('access-control-allow-origin'), 'https://evil.example');
  });

  it('refuses a request without the token, or with another, before reading the body', async () => {
    const body = { payloads: [await encrypted({ user: 'alice' })] };
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer not-the-token-0123456789' },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const response = await app().request('/codec/decode', post('/codec/decode', body, headers));
      assert.equal(response.status, 401);
      assert.ok(!(await response.text()).includes('alice'));
    }
  });

  it('decodes what the workers encrypted, and encodes what the UI sends (a Signal input)', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' };
    const plain = json(defaultPayloadConverter.toPayload('as is'));
    const decoded = await app().request(
      '/codec/decode',
      post('/codec/decode', { payloads: [await encrypted({ user: 'alice' }), plain] }, auth),
    );
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), UI);
    const { payloads } = (await decoded.json()) as { payloads: { data: string }[] };
    assert.deepEqual(
      payloads.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as unknown),
      [{ user: 'alice' }, 'as is'],
    );

    const encoded = await app().request('/codec/encode', post('/codec/encode', { payloads: [plain] }, auth));
    const [payload] = ((await encoded.json()) as { payloads: { metadata: Record<string, string> }[] }).payloads;
    assert.equal(Buffer.from(payload?.metadata.encoding ?? '', 'base64').toString(), 'binary/encrypted');
  });

  it("refuses another namespace's payloads and a body that is not a payload list", async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const wrong = await app().request(
      '/codec/decode',
      post('/codec/decode', { payloads: [] }, { ...auth, 'X-Namespace': 'payments' }),
    );
    assert.equal(wrong.status, 403);
    const junk = await app().request('/codec/decode', post('/codec/decode', { payloads: 'all of them' }, auth));
    assert.equal(junk.status, 400);
  });

  it('without tokens (the sandbox UI has no login) answers loopback callers only', async () => {
    const body = post('/codec/decode', { payloads: [await encrypted('x')] });
    assert.equal((await app('loopback-only', '127.0.0.1').request('/codec/decode', body)).status, 200);
    assert.equal((await app('loopback-only', '::1').request('/codec/decode', body)).status, 200);
    assert.equal((await app('loopback-only', '192.168.1.20').request('/codec/decode', body)).status, 401);
  });
});
