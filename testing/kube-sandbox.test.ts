// The Kubernetes sandbox on a real control plane: seeded twice over a kept state dir without complaint, its stolen
// tokens working, and reset() putting back what a containment took away (and nothing when nothing changed).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubeRequest } from './kube-cluster.js';
import { KUBE_SANDBOX, startKubeSandbox, type KubeSandbox } from './kube-sandbox.js';

const { namespace, serviceAccount, pod, tokenSecret } = KUBE_SANDBOX;

describe('the Kubernetes sandbox', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'revoker-kube-sandbox-'));
  let sandbox: KubeSandbox;
  before(async () => (sandbox = await startKubeSandbox({ stateDir })), { timeout: 1_800_000 });
  after(async () => {
    await sandbox?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const asRevoker = (method: string, path: string) =>
    kubeRequest(sandbox.cluster, method, path, { token: sandbox.cluster.tokens.revoker });

  it('seeds the account, its Pod, its legacy token and its bindings; both stolen tokens work', async () => {
    assert.equal((await sandbox.pod())?.spec?.serviceAccountName, serviceAccount);
    assert.deepEqual((await sandbox.bindings()).sort(), [
      'ClusterRoleBinding/api-reads-namespaces',
      `RoleBinding/${namespace}/api-reads-pods`,
    ]);
    assert.equal(await sandbox.tokenWorks(await sandbox.legacyToken()), true);
    assert.equal(await sandbox.tokenWorks(await sandbox.podToken()), true);
    // Revoker may keep binding copies in its namespace, and nowhere else.
    assert.equal((await asRevoker('GET', `/api/v1/namespaces/${KUBE_SANDBOX.copyNamespace}/configmaps/x`)).status, 404);
    assert.equal((await asRevoker('GET', `/api/v1/namespaces/${namespace}/configmaps/x`)).status, 403);
    await sandbox.seed();
    assert.deepEqual(sandbox.mutations().counts, {});
  });

  it('puts back on reset() what containment took away, and counts what Revoker changed until then', async () => {
    const before = {
      pod: (await sandbox.pod())?.metadata?.uid,
      account: (await sandbox.serviceAccount())?.metadata?.uid,
    };
    const stolen = await sandbox.legacyToken();
    const ns = `/api/v1/namespaces/${namespace}`;
    assert.equal((await asRevoker('DELETE', `${ns}/pods/${pod}`)).status, 200);
    assert.equal((await asRevoker('DELETE', `${ns}/secrets/${tokenSecret}`)).status, 200);
    assert.equal(
      (await asRevoker('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/api-reads-namespaces`)).status,
      200,
    );
    assert.equal((await asRevoker('DELETE', `${ns}/serviceaccounts/${serviceAccount}`)).status, 200);
    assert.deepEqual(sandbox.mutations().counts, {
      'delete pods': 1,
      'delete secrets': 1,
      'delete clusterrolebindings': 1,
      'delete serviceaccounts': 1,
    });
    assert.equal(await sandbox.pod(), undefined);

    await sandbox.reset();
    assert.deepEqual(sandbox.mutations().counts, {});
    assert.notEqual((await sandbox.pod())?.metadata?.uid, before.pod, 'a new Pod');
    assert.notEqual((await sandbox.serviceAccount())?.metadata?.uid, before.account, 'a new account');
    assert.equal((await sandbox.bindings()).length, 2);
    const fresh = await sandbox.legacyToken();
    assert.notEqual(fresh, stolen);
    assert.equal(await sandbox.tokenWorks(fresh), true);
    assert.equal(await sandbox.tokenWorks(await sandbox.podToken()), true);
  });

  it('resumes on its kept state dir (npm start again): a deleted Pod comes back, what else containment took stays', async () => {
    const ns = `/api/v1/namespaces/${namespace}`;
    assert.equal((await asRevoker('DELETE', `${ns}/pods/${pod}`)).status, 200);
    assert.equal((await asRevoker('DELETE', `${ns}/secrets/${tokenSecret}`)).status, 200);
    await sandbox.close();
    sandbox = await startKubeSandbox({ stateDir, resume: true });
    assert.ok(await sandbox.pod(), 'its controller would start the Pod again');
    assert.equal(await sandbox.tokenSecret(), undefined, 'the deleted Secret stays deleted');
    assert.equal(await sandbox.tokenWorks(await sandbox.podToken()), true);
    assert.deepEqual(sandbox.mutations().counts, {});
    await sandbox.seed();
    assert.equal(await sandbox.tokenWorks(await sandbox.legacyToken()), true, 'seed() puts everything back');
  });
});
