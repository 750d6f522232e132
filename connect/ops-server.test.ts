import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ListenAddress, READY_TIMEOUT_MS, startOpsServer, type OpsServer } from './ops-server.js';

describe('the operations endpoint', () => {
  const servers: OpsServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  let temporalUp = true;
  let hang = false;

  const start = async () => {
    const server = await startOpsServer({
      address: ListenAddress.parse('127.0.0.1:0'),
      ready: {
        temporal: () => (temporalUp ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1'))),
        workers: () => (hang ? new Promise<void>(() => {}) : undefined),
      },
    });
    servers.push(server);
    return server;
  };

  it('answers /healthz 200 while the process runs', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  });

  it('answers /readyz 200 when every check passes, 503 naming the failed one (not its error) when one fails', async () => {
    const server = await start();
    temporalUp = true;
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    temporalUp = false;
    const response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), { ready: false, failed: ['temporal'] });
    assert.doesNotMatch(text, /10\.0\.0\.1|ECONNREFUSED/);
    temporalUp = true;
  });

  it('answers /readyz 503 when a check does not answer in time', { timeout: READY_TIMEOUT_MS * 3 }, async () => {
    const server = await start();
    hang = true;
    try {
      const response = await fetch(`${server.url}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { ready: false, failed: ['workers'] });
    } finally {
      hang = false;
    }
  });

  it('refuses other methods and names its routes for other paths', async () => {
    const server = await start();
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'POST', body: 'x' })).status, 405);
    const missing = await fetch(`${server.url}/admin`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /\/healthz/);
  });

  it('reads its address as host:port and says what it wants otherwise', () => {
    assert.deepEqual(ListenAddress.parse('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(ListenAddress.parse('[::1]:8081'), { host: '::1', port: 8081 });
    for (const bad of ['9464', 'localhost', 'host:99999', 'http://x:1']) {
      const parsed = ListenAddress.safeParse(bad);
      assert.equal(parsed.success, false, bad);
      assert.match(parsed.error?.issues[0]?.message ?? '', /host:port|0-65535/);
    }
  });

  it('says so when its port is taken', async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    await assert.rejects(
      startOpsServer({ address: { host: '127.0.0.1', port }, ready: {} }),
      /cannot listen on 127\.0\.0\.1:\d+: the port is in use/,
    );
  });
});
