import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  GCP_SANDBOX,
  startGcpSimulator,
  type GcpSimulator,
  type MutationSummary,
  type PublicGcpState,
} from './index.js';
import { googleError, iamClient, keyFile, SEED } from './test-support.js';

const { compromised, responder } = GCP_SANDBOX;

describe('/_sim admin routes', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const url = (path: string) => new URL(path, sim.rootUrl);
  const get = async <T>(path: string): Promise<T> => (await (await fetch(url(path))).json()) as T;
  const post = (path: string, body?: unknown) =>
    fetch(url(path), { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });
  const keys = () => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.keys;

  it('reports health and the state, without any private key material', async () => {
    assert.deepEqual(await get('_sim/health'), { ok: true, projectId: 'acme-prod', projectIds: ['acme-prod'] });
    await keys().disable({ name: compromised.stolenKeyName, requestBody: {} });
    await keys().delete({ name: compromised.stolenKeyName });
    const text = await (await fetch(url('_sim/state'))).text();
    assert.doesNotMatch(text, /PRIVATE KEY|privateKey|private_key/);
    for (const account of SEED.serviceAccounts) {
      for (const key of account.keys) {
        const body = key.privateKey?.split('\n')[1];
        if (body) assert.equal(text.includes(body), false, 'a private key leaked into /_sim/state');
      }
    }
    const state = JSON.parse(text) as PublicGcpState;
    const etl = state.serviceAccounts.find((a) => a.email === compromised.email);
    assert.deepEqual(
      etl?.keys.map((k) => [k.keyType, k.disabled, k.deleted]),
      [
        ['USER_MANAGED', true, true],
        ['USER_MANAGED', false, false],
        ['SYSTEM_MANAGED', false, false],
      ],
    );
  });

  it('injects faults over HTTP, reports mutations and resets', async () => {
    const injected = await post('_sim/faults', [{ method: 'keys.disable', status: 503, times: 1 }]);
    assert.equal(injected.status, 200);
    await assert.rejects(
      keys().disable({ name: compromised.stolenKeyName, requestBody: {} }),
      googleError(503, 'UNAVAILABLE'),
    );
    await keys().disable({ name: compromised.stolenKeyName, requestBody: {} });
    const mutations = await get<MutationSummary>('_sim/mutations');
    assert.deepEqual(mutations.counts, { 'keys.disable': 1 });
    assert.equal(mutations.log[0]?.target, compromised.stolenKeyName);

    assert.equal((await post('_sim/faults', { status: 429, times: 3 })).status, 200);
    assert.equal((await fetch(url('_sim/faults'), { method: 'DELETE' })).status, 200);
    assert.deepEqual(await get('_sim/faults'), []);

    assert.equal((await post('_sim/reset')).status, 200);
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, false);
    assert.deepEqual((await get<MutationSummary>('_sim/mutations')).counts, {});
  });

  it('validates fault and seed bodies, and resets to a custom seed', async () => {
    const badFault = await post('_sim/faults', { method: 'keys.get', status: 418 });
    assert.equal(badFault.status, 400);
    const badSeed = await post('_sim/reset', { ...SEED, projectNumber: 'acme' });
    assert.equal(badSeed.status, 400);
    assert.match(((await badSeed.json()) as { error: string }).error, /projectNumber: must be a project number/);

    const custom = await post('_sim/reset', { ...SEED, iamPolicy: { bindings: [] } });
    assert.equal(custom.status, 200);
    await assert.rejects(
      keys().disable({ name: compromised.stolenKeyName, requestBody: {} }),
      googleError(403, 'PERMISSION_DENIED'),
    );
  });
});
