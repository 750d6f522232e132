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
import { KUBERNETES_RESPONDER_RULES } from '../domain/permissions.js';
import { startKubeCluster, type KubeCluster } from '../testing/kube-cluster.js';
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
