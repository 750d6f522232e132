// The intake deadline over real HTTP: the webhook app and server of main.ts, its batched start path
// and a Temporal Client whose server accepts the connection and never answers (a hung frontend, a
// black-holed load balancer), so the SDK waits rather than fails fast and the deadline is what answers.
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { createWebhookApp } from './app.js';
import { START_DEADLINE_MS, startWithinDeadline } from './main.js';
import { startWebhookServer, type WebhookServer } from './server.js';

const TOKEN = 'deadline-token-0123456789';
/** EventBridge API destinations give up after this long: the strictest sender. */
const SENDER_GIVES_UP_MS = 5_000;

const alert = (id: string, userName = 'alice'): Alert => ({
  source: 'splunk',
  id,
  title: 'Access key used from a new ASN',
  severity: 'high',
  observedAt: '2026-11-23T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName }],
});

describe('intake deadline', () => {
  const sockets = new Set<Socket>();
  // Accepts and reads, never writes: no HTTP/2 settings, no gRPC answer, no reset.
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  let connection: Connection;
  let webhook: WebhookServer;
  let answeredAt = Date.now();

  before(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    // connect() would wait on the handshake itself; lazy connects on the first call, as a long-running webhook's client does.
    connection = Connection.lazy({ address: `127.0.0.1:${port}` });
    const client = new Client({ connection, namespace: 'default' });
    const app = createWebhookApp({
      auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
      startPlaybook: startWithinDeadline(client, { policy: DEFAULT_POLICY, uiBaseUrl: 'http://localhost:8233' }),
    });
    webhook = await startWebhookServer({ port: 0, host: '127.0.0.1', app });
  });

  after(async () => {
    await webhook.close();
    // The batcher still sends b's batch once a's fails, about when the 503s go out, and that call waits
    // out its own deadline. Closing the channel under a waiting call makes the SDK's retry interceptor
    // start a call on the closed channel from a timer (an uncaught "Channel has been shut down").
    await sleep(Math.max(0, answeredAt + START_DEADLINE_MS + 500 - Date.now()));
    await connection.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers 503 with Retry-After within 5 s while Temporal hangs, an alert queued behind another included', async () => {
    const post = async (body: Alert) => {
      const sent = Date.now();
      const res = await fetch(`${webhook.url}/alerts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { res, body: (await res.json()) as { error?: string }, took: Date.now() - sent };
    };
    // b joins a's incident and waits behind a's batch; c is another incident with its own.
    const replies = await Promise.all([post(alert('a')), post(alert('b')), post(alert('c', 'bob'))]);
    answeredAt = Date.now();
    assert.ok(sockets.size > 0, 'the client did reach the silent server');
    for (const { res, body, took } of replies) {
      assert.equal(res.status, 503, JSON.stringify(body));
      assert.equal(res.headers.get('retry-after'), '30');
      assert.match(body.error ?? '', /retry later/);
      assert.match(body.error ?? '', /resend/);
      assert.ok(took < SENDER_GIVES_UP_MS, `answered after ${took} ms`);
      // Not a fast failure: the SDK waited, and the deadline answered.
      assert.ok(
        took >= START_DEADLINE_MS - 20,
        `answered after ${took} ms, before the ${START_DEADLINE_MS} ms deadline`,
      );
    }
  });
});
