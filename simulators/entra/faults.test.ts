import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntraSimulator } from './index.js';
import {
  ADELE,
  clientCredentialsGrant,
  graph,
  MAIL_SYNC_PRO,
  RESPONDER,
  useResponderSimulator,
} from './test-support.js';

describe('fault injection', () => {
  let sim: EntraSimulator;
  let token: string;
  useResponderSimulator((ready) => ({ sim, token } = ready));

  it('answers 429 TooManyRequests with Retry-After, without changing anything, then recovers', async () => {
    sim.injectFault({ path: '/users', method: 'POST', status: 429, retryAfterSeconds: 7, times: 2 });
    const validFrom = sim.user(ADELE.id)?.signInSessionsValidFromDateTime;
    for (let i = 0; i < 2; i++) {
      const throttled = await graph(sim, token, 'POST', `/users/${ADELE.id}/revokeSignInSessions`);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('retry-after'), '7');
      const error = throttled.json.error as { code: string; innerError: Record<string, string> };
      assert.equal(error.code, 'TooManyRequests');
      assert.equal(error.innerError['request-id'], throttled.headers.get('request-id'));
    }
    assert.equal(sim.user(ADELE.id)?.signInSessionsValidFromDateTime, validFrom);
    assert.deepEqual(sim.mutations().counts, {});
    assert.equal((await graph(sim, token, 'POST', `/users/${ADELE.id}/revokeSignInSessions`)).status, 200);
    assert.deepEqual(sim.mutations().counts, { revokeSignInSessions: 1 });
  });

  it('matches faults by regex and method, and leaves other calls alone', async () => {
    sim.injectFault({ path: /\/removePassword$/, status: 503 });
    assert.equal((await graph(sim, token, 'GET', `/users/${ADELE.id}`)).status, 200);
    const unavailable = await graph(sim, token, 'POST', `/servicePrincipals/${MAIL_SYNC_PRO.spId}/removePassword`, {
      keyId: MAIL_SYNC_PRO.attackerSecret.keyId,
    });
    assert.equal(unavailable.status, 503);
    assert.equal((unavailable.json.error as { code: string }).code, 'ServiceUnavailable');
    assert.equal(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.passwordKeyIds.length, 2);

    sim.injectFault({ path: '^/v1\\.0/oauth2PermissionGrants/', method: 'DELETE', status: 500 });
    assert.equal((await graph(sim, token, 'GET', `/oauth2PermissionGrants/${MAIL_SYNC_PRO.adeleGrantId}`)).status, 200);
    assert.equal(
      (await graph(sim, token, 'DELETE', `/oauth2PermissionGrants/${MAIL_SYNC_PRO.adeleGrantId}`)).status,
      500,
    );
    assert.equal(sim.grants(MAIL_SYNC_PRO.spId).length, 2);
  });

  it('drops a latency-held change whose client hung up before it landed, and commits one whose client waited', async () => {
    const revoke = `/users/${ADELE.id}/revokeSignInSessions`;
    assert.equal((await graph(sim, token, 'GET', `/users/${ADELE.id}`)).status, 200); // warm connection
    const validFrom = sim.user(ADELE.id)?.signInSessionsValidFromDateTime;
    sim.injectFault({ path: revoke, method: 'POST', latencyMs: 500 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(
      fetch(`${sim.graphEndpoint}${revoke}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      }),
    );
    const pending = (await (await fetch(new URL('/_sim/faults', sim.graphEndpoint))).json()) as unknown[];
    assert.deepEqual(pending, [], 'the call reached the simulator and took the fault');
    await sleep(500); // past the held latency: the request would have landed by now
    assert.equal(sim.user(ADELE.id)?.signInSessionsValidFromDateTime, validFrom);
    assert.deepEqual(sim.mutations().counts, {});

    sim.injectFault({ path: revoke, method: 'POST', latencyMs: 500 });
    assert.equal((await graph(sim, token, 'POST', revoke)).status, 200);
    assert.deepEqual(sim.mutations().counts, { revokeSignInSessions: 1 });
  });

  it('adds latency and can fault the token endpoint when the path names it', async () => {
    sim.injectFault({ path: `/users/${ADELE.id}`, latencyMs: 150 });
    const started = Date.now();
    assert.equal((await graph(sim, token, 'GET', `/users/${ADELE.id}`)).status, 200);
    assert.ok(Date.now() - started >= 140);

    // Faults without a path only hit Graph, never the token endpoint.
    sim.injectFault({ status: 503 });
    assert.equal((await clientCredentialsGrant(sim, RESPONDER.appId, RESPONDER.secret)).status, 200);
    sim.clearFaults();
    sim.injectFault({ path: /oauth2\/v2\.0\/token$/, status: 429, retryAfterSeconds: 3 });
    const throttled = await clientCredentialsGrant(sim, RESPONDER.appId, RESPONDER.secret);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.json.error, 'temporarily_unavailable');
    assert.equal((await clientCredentialsGrant(sim, RESPONDER.appId, RESPONDER.secret)).status, 200);
  });

  it('refuses malformed faults', () => {
    assert.throws(() => sim.injectFault({ path: '/users', times: 0, status: 429 }));
    assert.throws(() => sim.injectFault({ path: '/users' }));
  });
});
