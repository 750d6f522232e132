// The Kubernetes activities with the real @kubernetes/client-node against a real kube-apiserver and
// controller-manager (testing/kube-cluster.ts), as the least-privilege identity of deploy/kubernetes: a stolen
// legacy token and a stolen Pod-bound token each work before containment and are refused after, and a re-created
// account refuses every old token while a new one works.
import { ApplicationFailure } from '@temporalio/common';
import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createKubernetesActivities } from '../activities/kubernetes.js';
import { copyName } from '../activities/kubernetes-bindings.js';
import { KUBERNETES_COPY_NAMESPACE, KUBERNETES_RESPONDER_RULES, kubernetesCopyRole } from '../domain/permissions.js';
import { startKubeCluster, type KubeCluster } from '../testing/kube-cluster.js';
import { startKubeFaultProxy } from '../testing/kube-faults.js';
import { createKubernetesClusters } from '../worker/kubernetes-clients.js';

const CLUSTER = 'sandbox';
const NS = 'payments';
const SA = 'api';

/** The API server caches a token it accepted for 10 s: a revoked one is refused within this. */
const REFUSED_WITHIN_MS = 20_000;

describe('Kubernetes activities on a real API server', () => {
  let cluster: KubeCluster;
  let admin: { core: CoreV1Api; rbac: RbacAuthorizationV1Api; auth: AuthenticationV1Api };
  before(async () => {
    cluster = await startKubeCluster({
      revokerRules: KUBERNETES_RESPONDER_RULES.map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
      })),
    });
    const config = new KubeConfig();
    config.loadFromFile(cluster.kubeconfigPath('admin'));
    admin = {
      core: config.makeApiClient(CoreV1Api),
      rbac: config.makeApiClient(RbacAuthorizationV1Api),
      auth: config.makeApiClient(AuthenticationV1Api),
    };
    await admin.core.createNamespace({ body: { metadata: { name: NS } } });
    await admin.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: SA } } });
    // What the stolen tokens are good for: listing the namespace's Pods.
    await admin.rbac.createNamespacedRole({
      namespace: NS,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    });
    await admin.rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: 'api-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
      },
    });
    await admin.core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'api-0' },
        spec: { serviceAccountName: SA, containers: [{ name: 'api', image: 'registry.example/api:1' }] },
      },
    });
    await admin.core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: 'api-token', annotations: { 'kubernetes.io/service-account.name': SA } },
        type: 'kubernetes.io/service-account-token',
      },
    });
  });
  after(() => cluster?.close());

  const activities = () =>
    createKubernetesActivities(
      createKubernetesClusters({ clusterId: CLUSTER, kubeconfig: cluster.kubeconfigPath('revoker') }),
    );
  /** What an attacker holding `token` gets when listing the namespace's Pods. */
  const asAttacker = (token: string) => statusFor(cluster, `/api/v1/namespaces/${NS}/pods`, token);
  const refusedSoon = async (token: string) => {
    const deadline = Date.now() + REFUSED_WITHIN_MS;
    while (Date.now() < deadline) {
      if ((await asAttacker(token)) === 401) return true;
      await sleep(500);
    }
    return false;
  };
  const legacyToken = async () => {
    for (;;) {
      const secret = await admin.core.readNamespacedSecret({ name: 'api-token', namespace: NS });
      const token = secret.data?.token;
      if (token) return Buffer.from(token, 'base64').toString();
      await sleep(200);
    }
  };
  const boundToken = async (pod: { name: string; uid: string }) =>
    (
      await admin.core.createNamespacedServiceAccountToken({
        name: SA,
        namespace: NS,
        body: { spec: { audiences: [], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', ...pod } } },
      })
    ).status?.token ?? '';

  const account = () => ({ cluster: CLUSTER, namespace: NS, name: SA });
  const mintToken = async () =>
    (
      await admin.core.createNamespacedServiceAccountToken({
        name: SA,
        namespace: NS,
        body: { spec: { audiences: [] } },
      })
    ).status?.token ?? '';
  /** Polls until `token` gets `status` listing the namespace's Pods (RBAC and the token cache apply within seconds). */
  const statusSoon = async (token: string, status: number) => {
    const deadline = Date.now() + REFUSED_WITHIN_MS;
    while (Date.now() < deadline) {
      if ((await asAttacker(token)) === status) return true;
      await sleep(300);
    }
    return false;
  };
  /** The copy namespace and Revoker's Role there (deploy/kubernetes/clusterrole.yaml). */
  const grantCopyNamespace = async () => {
    const exists = await admin.core.readNamespace({ name: KUBERNETES_COPY_NAMESPACE }).catch(() => undefined);
    if (exists) return;
    await admin.core.createNamespace({ body: { metadata: { name: KUBERNETES_COPY_NAMESPACE } } });
    await admin.rbac.createNamespacedRole({
      namespace: KUBERNETES_COPY_NAMESPACE,
      body: kubernetesCopyRole(),
    });
    await admin.rbac.createNamespacedRoleBinding({
      namespace: KUBERNETES_COPY_NAMESPACE,
      body: {
        metadata: { name: 'revoker:binding-copies' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'revoker:binding-copies' },
        subjects: [{ kind: 'User', name: cluster.users.revoker, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
  };

  it('contains a stolen legacy token and a stolen Pod-bound token: each works before and is refused after', async () => {
    const k8s = activities();
    const found = await k8s.discoverKubernetesPrincipal({
      type: 'kubernetes.serviceAccount',
      cluster: CLUSTER,
      namespace: NS,
      name: SA,
    });
    assert.deepEqual(found.tokenSecrets, ['api-token']);
    assert.deepEqual(
      found.pods.map((p) => p.name),
      ['api-0'],
    );
    const [pod] = found.pods;
    assert.ok(pod);
    const stolenLegacy = await legacyToken();
    const stolenBound = await boundToken(pod);
    assert.equal(await asAttacker(stolenLegacy), 200, 'the legacy token works before');
    assert.equal(await asAttacker(stolenBound), 200, 'the bound token works before');

    const secret = { cluster: CLUSTER, namespace: NS, serviceAccount: SA, secret: 'api-token' };
    assert.equal((await k8s.deleteKubernetesTokenSecret(secret)).outcome, 'done');
    assert.equal((await k8s.verifyKubernetesTokenSecretDeleted(secret)).ok, true);
    assert.ok(await refusedSoon(stolenLegacy), 'the legacy token is refused after');
    assert.equal((await k8s.deleteKubernetesTokenSecret(secret)).outcome, 'already');

    const podTarget = { cluster: CLUSTER, namespace: NS, serviceAccount: SA, pod: pod.name, uid: pod.uid };
    assert.equal((await k8s.deleteKubernetesPod(podTarget)).outcome, 'done');
    const check = await k8s.verifyKubernetesPodGone(podTarget);
    assert.equal(check.ok, true, check.evidence);
    assert.ok(await refusedSoon(stolenBound), 'the bound token is refused after');
    assert.equal((await k8s.deleteKubernetesPod(podTarget)).outcome, 'already');
  });

  it('re-creates the account: an old token is refused, a new one works, and a second run changes nothing', async () => {
    const k8s = activities();
    const found = await k8s.discoverKubernetesPrincipal({
      type: 'kubernetes.token',
      cluster: CLUSTER,
      namespace: NS,
      serviceAccount: SA,
      jti: 'b7c1e0f2-0000-4000-8000-000000000001',
    });
    const stolen =
      (
        await admin.core.createNamespacedServiceAccountToken({
          name: SA,
          namespace: NS,
          body: { spec: { audiences: [] } },
        })
      ).status?.token ?? '';
    assert.equal(await asAttacker(stolen), 200);
    const target = { cluster: CLUSTER, namespace: NS, name: SA, uid: found.uid };
    assert.equal((await k8s.recreateKubernetesServiceAccount(target)).outcome, 'done');
    const check = await k8s.verifyKubernetesServiceAccountRecreated(target);
    assert.equal(check.ok, true, check.evidence);
    assert.match(check.evidence, /TokenReview authenticates a new token/);
    assert.ok(await refusedSoon(stolen), 'the old token is refused');
    assert.equal((await k8s.recreateKubernetesServiceAccount(target)).outcome, 'already');
  });

  it('takes the account out of its bindings with a copy kept first, and a release puts exactly it back', async () => {
    const k8s = activities();
    const target = { cluster: CLUSTER, namespace: NS, serviceAccount: SA };
    // Bindings naming the account three ways: alone (deleted on removal), beside another subject (rewritten without
    // it), and as the user name its tokens authenticate as.
    await admin.rbac.createClusterRole({
      body: {
        metadata: { name: 'namespace-reader' },
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }],
      },
    });
    await admin.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'readers', labels: { team: 'platform' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-reader' },
        subjects: [
          { kind: 'ServiceAccount', name: SA, namespace: NS },
          { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
        ],
      },
    });
    await admin.rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: 'api-as-user' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'User', name: `system:serviceaccount:${NS}:${SA}`, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const stolen = await mintToken();
    assert.equal(await asAttacker(stolen), 200, 'the stolen token lists Pods before');
    const found = await k8s.discoverKubernetesPrincipal({ type: 'kubernetes.serviceAccount', ...account() });
    assert.deepEqual(found.bindings?.toSorted(), [
      'ClusterRoleBinding/readers',
      `RoleBinding/${NS}/api-as-user`,
      `RoleBinding/${NS}/api-reads-pods`,
    ]);
    // For the triage card: the role each binding grants.
    assert.deepEqual(
      found.roles?.find((r) => r.binding === `RoleBinding/${NS}/api-as-user`),
      { binding: `RoleBinding/${NS}/api-as-user`, role: 'Role/pod-reader' },
    );
    assert.equal(found.roles?.length, 3);

    // Without the copy namespace nothing is removed: the copy must exist before the first change.
    const refused = await k8s.removeKubernetesBindings(target).catch((e: unknown) => e);
    assert.ok(refused instanceof ApplicationFailure && refused.type === 'PermissionDeniedError', String(refused));
    assert.match(refused.message, /in namespace revoker of sandbox: create the namespace and apply the Role/);
    assert.equal((await k8s.verifyKubernetesBindingsRemoved(target)).ok, false);

    await grantCopyNamespace();
    assert.equal((await k8s.removeKubernetesBindings(target)).outcome, 'done');
    const removed = await k8s.verifyKubernetesBindingsRemoved(target);
    assert.equal(removed.ok, true, removed.evidence);
    assert.match(removed.evidence, /holds the 3 bindings a release puts back/);
    assert.ok(await statusSoon(stolen, 403), 'the stolen token still authenticates but may list nothing');
    const readers = await admin.rbac.readClusterRoleBinding({ name: 'readers' });
    assert.deepEqual(
      readers.subjects?.map((s) => s.name),
      ['alice'],
      'the other subject keeps its binding',
    );
    assert.equal((await k8s.removeKubernetesBindings(target)).outcome, 'already');

    // A binding naming the account again meanwhile: a second removal adds it to the same copy.
    await admin.rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: 'late' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: SA }],
      },
    });
    assert.equal((await k8s.removeKubernetesBindings(target)).outcome, 'done');

    assert.equal((await k8s.restoreKubernetesBindings(target)).outcome, 'done');
    const restored = await k8s.verifyKubernetesBindingsRestored(target);
    assert.equal(restored.ok, true, restored.evidence);
    assert.ok(await statusSoon(stolen, 200), 'released, the token has its access back');
    const back = await admin.rbac.readClusterRoleBinding({ name: 'readers' });
    assert.deepEqual(back.subjects?.map((s) => s.name).toSorted(), ['alice', SA]);
    assert.equal(back.metadata?.labels?.team, 'platform');
    const late = await admin.rbac.readNamespacedRoleBinding({ name: 'late', namespace: NS });
    assert.deepEqual(
      late.subjects?.map((subject) => `${subject.kind}/${subject.namespace ?? ''}/${subject.name}`),
      [`ServiceAccount//${SA}`],
    );
    assert.equal((await k8s.restoreKubernetesBindings(target)).outcome, 'already');
  });

  it('a copy edited to give back more than the account restores nothing', async () => {
    const k8s = activities();
    const target = { cluster: CLUSTER, namespace: NS, serviceAccount: SA };
    await grantCopyNamespace();
    assert.equal((await k8s.removeKubernetesBindings(target)).outcome, 'done');
    const name = copyName(target);
    const map = await admin.core.readNamespacedConfigMap({ name, namespace: 'revoker' });
    const copy = JSON.parse(map.data?.['bindings.json'] ?? '{}') as { bindings: { removed: object[] }[] };
    copy.bindings[0]?.removed.push({ kind: 'User', name: 'mallory' });
    await admin.core.replaceNamespacedConfigMap({
      name,
      namespace: 'revoker',
      body: { ...map, data: { 'bindings.json': JSON.stringify(copy) } },
    });
    const refused = await k8s.restoreKubernetesBindings(target).catch((e: unknown) => e);
    assert.ok(refused instanceof ApplicationFailure && refused.type === 'UnsafeStateError', String(refused));
    assert.match(refused.message, /names other subjects/);
    const check = await k8s.verifyKubernetesBindingsRemoved(target);
    assert.equal(check.ok, true, 'nothing was put back');
    assert.match(check.evidence, /but ConfigMap .* names other subjects/);
  });

  it('a throttled or failing API server is retried (Retry-After kept); a lost response leaves the copy that undoes it', async () => {
    const faults = await startKubeFaultProxy(cluster);
    try {
      const k8s = createKubernetesActivities(
        createKubernetesClusters({ clusterId: CLUSTER, kubeconfig: faults.kubeconfigPath('revoker') }),
      );
      await admin.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'worker' } } });
      await admin.rbac.createNamespacedRoleBinding({
        namespace: NS,
        body: {
          metadata: { name: 'worker-reads-pods' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'worker', namespace: NS }],
        },
      });
      const target = { cluster: CLUSTER, namespace: NS, serviceAccount: 'worker' };
      const principal = { type: 'kubernetes.serviceAccount' as const, cluster: CLUSTER, namespace: NS, name: 'worker' };

      faults.inject({
        method: 'GET',
        path: /\/serviceaccounts\/worker$/,
        fault: { kind: 'throttle', retryAfterSeconds: 3 },
      });
      const throttled = await k8s.discoverKubernetesPrincipal(principal).catch((e: unknown) => e);
      assert.ok(throttled instanceof ApplicationFailure && throttled.type === 'ThrottledError', String(throttled));
      assert.equal(throttled.nonRetryable, false);
      assert.equal(throttled.nextRetryDelay, 3000, 'the API server said when to come back');
      faults.inject({ method: 'GET', path: /\/serviceaccounts\/worker$/, fault: { kind: 'unavailable' } });
      const down = await k8s.discoverKubernetesPrincipal(principal).catch((e: unknown) => e);
      assert.ok(down instanceof ApplicationFailure && down.type === 'ProviderUnavailableError', String(down));
      assert.equal(down.nonRetryable, false);
      assert.deepEqual((await k8s.discoverKubernetesPrincipal(principal)).bindings, [
        `RoleBinding/${NS}/worker-reads-pods`,
      ]);

      await grantCopyNamespace();
      // The copy's write lands but its answer is lost: the next attempt finds it and goes on.
      faults.inject({ method: 'POST', path: /\/namespaces\/revoker\/configmaps/, fault: { kind: 'lose-response' } });
      const lostCopy = await k8s.removeKubernetesBindings(target).catch((e: unknown) => e);
      assert.ok(
        lostCopy instanceof ApplicationFailure && lostCopy.type === 'ProviderUnavailableError',
        String(lostCopy),
      );
      // The binding's deletion lands but its answer is lost: the retry finds nothing to do, and the copy remembers.
      faults.inject({ method: 'DELETE', path: /\/rolebindings\/worker-reads-pods/, fault: { kind: 'lose-response' } });
      const lostDelete = await k8s.removeKubernetesBindings(target).catch((e: unknown) => e);
      assert.ok(lostDelete instanceof ApplicationFailure && lostDelete.nonRetryable === false, String(lostDelete));
      const retried = await k8s.removeKubernetesBindings(target);
      assert.equal(retried.outcome, 'already');
      assert.match(retried.observed, /holds the 1 binding Revoker took it out of/);
      assert.equal((await k8s.verifyKubernetesBindingsRemoved(target)).ok, true);
      assert.equal(faults.injected().length, 4, faults.injected().join('\n'));

      assert.equal((await k8s.restoreKubernetesBindings(target)).outcome, 'done');
      const back = await admin.rbac.readNamespacedRoleBinding({ name: 'worker-reads-pods', namespace: NS });
      assert.deepEqual(
        back.subjects?.map((subject) => subject.name),
        ['worker'],
      );
    } finally {
      await faults.close();
    }
  });

  it('an account that does not exist is TargetNotFound; a cluster not served is refused with what to set', async () => {
    const k8s = activities();
    const missing = await k8s
      .discoverKubernetesPrincipal({
        type: 'kubernetes.serviceAccount',
        cluster: CLUSTER,
        namespace: NS,
        name: 'nobody',
      })
      .catch((e: unknown) => e);
    assert.ok(missing instanceof ApplicationFailure && missing.type === 'TargetNotFoundError', String(missing));
    const other = await k8s
      .discoverKubernetesPrincipal({ type: 'kubernetes.serviceAccount', cluster: 'prod', namespace: NS, name: SA })
      .catch((e: unknown) => e);
    assert.ok(other instanceof ApplicationFailure && other.type === 'InvalidRequestError', String(other));
    assert.match(other.message, /REVOKER_KUBERNETES_CLUSTER/);
  });
});

/** The HTTP status the API server answers `path` with for `token`, over TLS to the cluster's own CA. */
function statusFor(cluster: KubeCluster, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cluster.server),
      { ca: cluster.caPem, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
