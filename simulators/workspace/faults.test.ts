import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkspaceSimulator, WORKSPACE_SANDBOX, type WorkspaceSimulator } from './index.js';
import { directoryClient, gmailProfile, googleError } from './test-support.js';

const { users, maliciousApp, serviceAccount } = WORKSPACE_SANDBOX;
const { maria } = users;
const deleteMalicious = { userKey: maria.email, clientId: maliciousApp.clientId };

describe('fault injection', () => {
  let sim: WorkspaceSimulator;
  before(async () => {
    sim = await startWorkspaceSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers 429 rateLimitExceeded with Retry-After, changes nothing and counts nothing', async () => {
    const directory = directoryClient(sim);
    sim.injectFault({ method: 'tokens.delete', user: maria.id, status: 429, retryAfterSeconds: 30 });
    await assert.rejects(
      directory.tokens.delete(deleteMalicious),
      googleError(429, 'rateLimitExceeded', {
        status: 'RESOURCE_EXHAUSTED',
        message: /^Resource has been exhausted \(e\.g\. check quota\)\.$/,
        retryAfter: '30',
      }),
    );
    assert.deepEqual(sim.tokens(maria.email).length, 2);
    assert.deepEqual(sim.mutations().counts, {});
    await directory.tokens.delete(deleteMalicious);
    assert.deepEqual(sim.mutations().counts, { 'tokens.delete': 1 }, 'the fault fired once');
  });

  it("answers 403 userRateLimitExceeded and quotaExceeded in the quota wording, naming the caller's project", async () => {
    const directory = directoryClient(sim);
    sim.injectFault({ method: 'directory.users.list', status: 403, reason: 'userRateLimitExceeded' });
    await assert.rejects(
      directory.users.list({ customer: 'my_customer' }),
      googleError(403, 'userRateLimitExceeded', {
        status: 'PERMISSION_DENIED',
        message: new RegExp(
          `^Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin\\.googleapis\\.com' for consumer 'project_number:${serviceAccount.projectNumber}'\\.$`,
        ),
        retryAfter: null,
      }),
    );
    sim.injectFault({ user: maria.alias, status: 403, reason: 'quotaExceeded', retryAfterSeconds: 2 });
    await directory.users.get({ userKey: users.li.email });
    await assert.rejects(
      directory.users.get({ userKey: maria.email }),
      googleError(403, 'quotaExceeded', { retryAfter: '2' }),
    );
    sim.injectFault({ method: 'users.signOut', status: 403 });
    await assert.rejects(
      directory.users.signOut({ userKey: maria.email }),
      googleError(403, 'forbidden', { message: /^Not Authorized/ }),
    );
    sim.injectFault({ status: 503 });
    await assert.rejects(
      directory.tokens.list({ userKey: maria.email }),
      googleError(503, 'backendError', { message: /^Service unavailable\. Please try again$/ }),
    );
  });

  it("gaxios' default retries a GET on 5xx and 429 by itself — why the worker turns them off", async () => {
    sim.injectFault({ method: 'tokens.list', status: 429, times: 1 });
    const listed = await directoryClient(sim, { retry: true }).tokens.list({ userKey: maria.email });
    assert.equal(listed.status, 200, 'the 429 was swallowed by a hidden retry');
    // The token endpoint is retried even with retry: false: gtoken sets its own retryConfig for that POST.
    sim.injectFault({ method: 'token', status: 503 });
    assert.equal((await directoryClient(sim).users.get({ userKey: maria.email })).status, 200);
    assert.deepEqual(sim.mutations().tokens.issued, { [WORKSPACE_SANDBOX.admin.email]: 2 });
  });

  it('a lost write answers success and changes nothing; a lost reply commits and resets the connection', async () => {
    const directory = directoryClient(sim);
    sim.injectFault({ method: 'tokens.delete', lostWrite: true });
    assert.equal((await directory.tokens.delete(deleteMalicious)).status, 204);
    assert.equal((await gmailProfile(sim, maria.tokens.maliciousApp)).status, 200, 'the stolen token still works');
    assert.equal(sim.tokens(maria.email).length, 2);
    assert.deepEqual(sim.mutations().counts, {});

    sim.injectFault({ method: 'users.update', lostWrite: true });
    const answered = await directory.users.update({ userKey: maria.email, requestBody: { suspended: true } });
    assert.equal(answered.data.suspended, true, 'answered as if it had landed');
    assert.equal(sim.user(maria.email)?.suspended, false);

    sim.injectFault({ method: 'users.signOut', lostResponse: true });
    await assert.rejects(
      directory.users.signOut({ userKey: maria.email }),
      /socket hang up|ECONNRESET|fetch failed|other side closed/i,
    );
    assert.equal(sim.sessions(maria.email), 0, 'the write landed');
    assert.deepEqual(sim.mutations().counts, { 'users.signOut': 1 });
  });

  it('propagation: a deleted token keeps listing and keeps working until the change has propagated', async () => {
    const directory = directoryClient(sim);
    await directory.users.get({ userKey: maria.email }); // the client has its token before propagation starts
    sim.setFaultModes({ propagationMs: 400 });
    await directory.tokens.delete(deleteMalicious);
    assert.equal(sim.tokens(maria.email).length, 1, 'committed at once');
    assert.equal((await gmailProfile(sim, maria.tokens.maliciousApp)).status, 200, 'still works for now');
    const stale = await directory.tokens.list({ userKey: maria.email });
    assert.equal(stale.data.items?.length, 2, 'still listed for now');
    await assert.rejects(
      directory.tokens.delete(deleteMalicious),
      googleError(404, 'notFound'),
      'writes see the truth',
    );
    await sleep(450);
    assert.equal((await gmailProfile(sim, maria.tokens.maliciousApp)).status, 401);
    assert.equal((await directory.tokens.list({ userKey: maria.email })).data.items?.length, 1);
    assert.equal(sim.faultModes().propagationMs, 400);
    sim.clearFaults();
    assert.equal(sim.faultModes().propagationMs, 0);
  });

  it('random mode draws the same transient faults from the same seed, on Directory calls only', async () => {
    const directory = directoryClient(sim);
    sim.setFaultModes({ random: { rate: 1, seed: 7, kinds: ['throttle'], retryAfterSeconds: 3 } });
    await assert.rejects(
      directory.users.get({ userKey: maria.email }),
      googleError(429, 'rateLimitExceeded', { retryAfter: '3' }),
    );
    assert.equal((await gmailProfile(sim, maria.tokens.maliciousApp)).status, 200, 'the app side never faults');
    assert.equal(sim.faultModes().drawn.throttle, 1);
    assert.deepEqual(
      sim.mutations().tokens.issued,
      { [WORKSPACE_SANDBOX.admin.email]: 1 },
      'the token endpoint draws nothing',
    );

    sim.setFaultModes({ random: { rate: 1, seed: 7, kinds: ['unavailable'] } });
    await assert.rejects(
      directory.users.get({ userKey: maria.email }),
      googleError(503, 'backendError', { retryAfter: '1' }),
    );
  });

  it('drops a latency-held change whose client hung up before it landed', async () => {
    const directory = directoryClient(sim);
    await directory.users.get({ userKey: maria.email });
    sim.injectFault({ method: 'users.signOut', latencyMs: 400 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);
    await assert.rejects(directory.users.signOut({ userKey: maria.email }, { signal: abort.signal }));
    await sleep(400);
    assert.equal(sim.sessions(maria.email), 2);
    assert.deepEqual(sim.mutations().counts, {});
    assert.throws(
      () => sim.injectFault({ method: 'users.get' }),
      /a fault needs a status, latencyMs, lostWrite, lostResponse or replyDelayMs/,
    );
    assert.throws(() => sim.injectFault({ status: 429, reason: 'quotaExceeded' }), /reason applies to status 403 only/);
  });
});
