import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  startWorkspaceSimulator,
  WORKSPACE_SANDBOX,
  type MutationSummary,
  type PublicWorkspaceState,
  type WorkspaceSimulator,
} from './index.js';
import { delegatedAuth, directoryClient, googleError, KEY_FILE, SEED } from './test-support.js';

const { users, maliciousApp } = WORKSPACE_SANDBOX;

describe('/_sim admin routes', () => {
  let sim: WorkspaceSimulator;
  before(async () => {
    sim = await startWorkspaceSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const url = (path: string) => new URL(path, sim.rootUrl);
  const get = async <T>(path: string): Promise<T> => (await (await fetch(url(path))).json()) as T;
  const post = (path: string, body?: unknown) =>
    fetch(url(path), { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });

  it('reports health and the state without a private key, an app token or an issued token', async () => {
    assert.deepEqual(await get('_sim/health'), { ok: true, domain: 'acme.example', customerId: 'C03az79cb' });
    const { token } = await delegatedAuth(sim).getAccessToken();
    await directoryClient(sim).tokens.delete({ userKey: users.maria.email, clientId: maliciousApp.clientId });
    const text = await (await fetch(url('_sim/state'))).text();
    const mutations = await (await fetch(url('_sim/mutations'))).text();
    for (const view of [text, mutations]) {
      assert.doesNotMatch(view, /PRIVATE KEY|privateKey|private_key|ya29\./);
      assert.equal(view.includes(KEY_FILE.private_key.split('\n')[2] ?? '-'), false);
      assert.equal(view.includes(String(token)), false, 'an issued token leaked');
      for (const user of SEED.users) {
        for (const grant of user.grants ?? []) assert.equal(view.includes(grant.accessToken), false);
      }
    }
    const state = JSON.parse(text) as PublicWorkspaceState;
    assert.deepEqual(state.users.find((u) => u.primaryEmail === users.maria.email)?.tokens, [
      WORKSPACE_SANDBOX.legitimateApp.clientId,
    ]);
    assert.deepEqual(
      state.revoked.map((r) => r.clientId),
      [maliciousApp.clientId],
    );
    assert.deepEqual(
      state.issuedTokens.map((t) => [t.subject, t.live]),
      [
        [WORKSPACE_SANDBOX.admin.email, true],
        [WORKSPACE_SANDBOX.admin.email, true],
      ],
    );
  });

  it('injects faults over HTTP, reports mutations and resets', async () => {
    const directory = directoryClient(sim);
    assert.equal((await post('_sim/faults', [{ method: 'users.signOut', status: 503 }])).status, 200);
    await assert.rejects(directory.users.signOut({ userKey: users.maria.email }), googleError(503, 'backendError'));
    await directory.users.signOut({ userKey: users.maria.email });
    const summary = await get<MutationSummary>('_sim/mutations');
    assert.deepEqual(summary.counts, { 'users.signOut': 1 });
    assert.equal(summary.log[0]?.target, users.maria.email);

    assert.equal((await post('_sim/faults', { propagationMs: 100 })).status, 200);
    assert.equal((await get<{ propagationMs: number }>('_sim/faults/modes')).propagationMs, 100);
    assert.equal((await post('_sim/faults', { status: 429, times: 3 })).status, 200);
    assert.equal((await fetch(url('_sim/faults'), { method: 'DELETE' })).status, 200);
    assert.deepEqual(await get('_sim/faults'), []);
    assert.equal((await post('_sim/faults', { status: 418 })).status, 400);
    assert.equal((await post('_sim/faults', { status: 429, typo: 1 })).status, 400);

    assert.equal((await post('_sim/reset')).status, 200);
    assert.equal(sim.sessions(users.maria.email), 2);
    assert.deepEqual((await get<MutationSummary>('_sim/mutations')).counts, {});
  });

  it('validates reset bodies, naming the field, and resets to a custom seed', async () => {
    const bad = await post('_sim/reset', { ...SEED, customerId: 'acme' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /customerId: must be a customer id/);
    const custom = await post('_sim/reset', { ...SEED, delegation: {} });
    assert.equal(custom.status, 200);
    await assert.rejects(delegatedAuth(sim).getAccessToken(), /unauthorized_client/);
  });
});
