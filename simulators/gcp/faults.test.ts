import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from './index.js';
import { googleError, iamClient, keyFile } from './test-support.js';

const { compromised, responder } = GCP_SANDBOX;
const ETL_ACCOUNT = `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${compromised.email}`;

describe('fault injection', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const accounts = (retry = false) => iamClient(sim, keyFile(responder.keyName), { retry }).projects.serviceAccounts;
  const pendingFaults = async () =>
    (await (await fetch(new URL('_sim/faults', sim.rootUrl))).json()) as { remaining: number }[];

  it('answers 429 RESOURCE_EXHAUSTED with Retry-After, changes nothing and counts nothing', async () => {
    sim.injectFault({ method: 'keys.disable', status: 429, retryAfterSeconds: 7 });
    await assert.rejects(
      accounts().keys.disable({ name: compromised.stolenKeyName, requestBody: {} }),
      googleError(429, 'RESOURCE_EXHAUSTED', {
        message: /^Quota exceeded for quota metric 'Write requests' .*'project_number:418273950164'\.$/,
        retryAfter: '7',
      }),
    );
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, false);
    assert.deepEqual(sim.mutations().counts, {});
    await accounts().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.deepEqual(sim.mutations().counts, { 'keys.disable': 1 }, 'the fault fired once');
  });

  it('with retry: false the client makes exactly one attempt', async () => {
    sim.injectFault({ method: 'keys.list', status: 503, times: 2 });
    await assert.rejects(accounts().keys.list({ name: ETL_ACCOUNT }), googleError(503, 'UNAVAILABLE'));
    assert.deepEqual(
      (await pendingFaults()).map((f) => f.remaining),
      [1],
    );
  });

  it("gaxios' default retries a GET on 5xx by itself — why the worker turns them off", async () => {
    sim.injectFault({ method: 'keys.list', status: 500, times: 1 });
    const listed = await accounts(true).keys.list({ name: ETL_ACCOUNT });
    assert.equal(listed.status, 200, 'the 500 was swallowed by a hidden retry');
    // POST is not in gaxios' default httpMethodsToRetry, so :disable fails through even with retries on.
    sim.injectFault({ method: 'projects.serviceAccounts.keys.disable', status: 500 });
    await assert.rejects(
      accounts(true).keys.disable({ name: compromised.stolenKeyName, requestBody: {} }),
      googleError(500, 'INTERNAL', { message: /^Internal error encountered\.$/ }),
    );
  });

  it('matches faults by path and delays calls by latencyMs', async () => {
    sim.injectFault({ path: responder.email, status: 403 });
    await accounts().get({ name: ETL_ACCOUNT });
    await assert.rejects(
      accounts().get({ name: `projects/-/serviceAccounts/${responder.email}` }),
      // Without a message of its own, an injected 403 names the permission, as IAM's own refusal does.
      googleError(403, 'PERMISSION_DENIED', {
        message: /^Permission iam\.serviceAccounts\.get is required to perform this operation on service account /,
      }),
    );
    sim.injectFault({ method: 'serviceAccounts.get', latencyMs: 150 });
    const started = Date.now();
    await accounts().get({ name: ETL_ACCOUNT });
    assert.ok(Date.now() - started >= 140, 'the call waited for the injected latency');
  });

  it('drops a latency-held change whose client hung up before it landed, and commits one whose client waited', async () => {
    await accounts().get({ name: ETL_ACCOUNT }); // warm: the call below reaches the wire at once
    sim.injectFault({ method: 'keys.disable', latencyMs: 500 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(
      accounts().keys.disable({ name: compromised.stolenKeyName, requestBody: {} }, { signal: abort.signal }),
    );
    assert.deepEqual(await pendingFaults(), [], 'the call reached the simulator and took the fault');
    await sleep(500); // past the held latency: the request would have landed by now
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, false);
    assert.deepEqual(sim.mutations().counts, {});

    sim.injectFault({ method: 'keys.disable', latencyMs: 500 });
    await accounts().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, true);
    assert.deepEqual(sim.mutations().counts, { 'keys.disable': 1 });
  });

  it('clears faults', async () => {
    sim.injectFault({ status: 503, times: 5 });
    sim.clearFaults();
    assert.equal((await accounts().get({ name: ETL_ACCOUNT })).status, 200);
    assert.throws(
      () => sim.injectFault({ method: 'keys.get' }),
      /a fault needs a status, latencyMs, lostWrite, lostResponse or replyDelayMs/,
    );
  });
});
