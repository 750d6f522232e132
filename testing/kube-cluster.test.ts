// The facts Revoker's Kubernetes service-account token containment relies on, shown against a real
// control plane (startKubeCluster) through @kubernetes/client-node. Every containment step is taken as
// the least-privilege `revoker` identity, never as admin.
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKubeCluster, type KubeCluster, type KubeIdentity, type KubeWrite } from './kube-cluster.js';

/**
 * kube-apiserver caches a successful token authentication for 10 s (its built-in token success cache,
 * not configurable by flag), so a revoked token is refused within that, not at once.
 */
const REFUSED_WITHIN_MS = 20_000;

interface Clients {
  core: k8s.CoreV1Api;
  rbac: k8s.RbacAuthorizationV1Api;
  authn: k8s.AuthenticationV1Api;
}

function clients(kc: k8s.KubeConfig): Clients {
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    authn: kc.makeApiClient(k8s.AuthenticationV1Api),
  };
}

function asIdentity(cluster: KubeCluster, identity: KubeIdentity): Clients {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath(identity));
  return clients(kc);
}

function withToken(cluster: KubeCluster, token: string): Clients {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: 'bearer', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'bearer' }],
    currentContext: 'test',
  });
  return clients(kc);
}

/** The HTTP status and the Kubernetes Status object of a refused call. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; status: k8s.V1Status }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      const body: unknown = error.body;
      const status = (typeof body === 'string' ? JSON.parse(body) : body) as k8s.V1Status;
      return { code: error.code, status };
    }
    throw error;
  }
  assert.fail('the call was allowed');
}

/** A GET with `token`, outside the client: the HTTP status and the JSON body as the API server sent them. */
function rawGet(cluster: KubeCluster, path: string, token: string): Promise<{ code: number; body: k8s.V1Status }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cluster.server),
      { ca: cluster.caPem, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) as k8s.V1Status }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Retries `check` until it passes or `withinMs` runs out; returns how long it took. */
async function eventually(check: () => Promise<void>, withinMs = REFUSED_WITHIN_MS): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > withinMs) throw error;
      await sleep(250);
    }
  }
}

async function tokenReview(revoker: Clients, token: string): Promise<k8s.V1TokenReviewStatus> {
  const review = await revoker.authn.createTokenReview({ body: { spec: { token } } });
  return review.status ?? {};
}

/**
 * Waits until `token` is refused: TokenReview leaves `authenticated` out (it is never `false`) and says
 * why in `error`, and any call with it is 401 with a Status of reason Unauthorized. Returns how long that
 * took, and TokenReview's error.
 */
async function assertRevoked(
  cluster: KubeCluster,
  revoker: Clients,
  token: string,
  namespace: string,
): Promise<{ ms: number; error: string }> {
  let error = '';
  const ms = await eventually(async () => {
    const review = await tokenReview(revoker, token);
    assert.equal(review.authenticated, undefined);
    error = review.error ?? '';
    // @kubernetes/client-node throws ApiException 401 with no body (its OpenAPI spec gives 401 no schema)...
    const refused = await refusal(withToken(cluster, token).core.listNamespacedPod({ namespace }));
    assert.equal(refused.code, 401);
    assert.equal(refused.status, undefined);
    // ...while the API server does answer with a Status.
    const wire = await rawGet(cluster, `/api/v1/namespaces/${namespace}/pods`, token);
    assert.equal(wire.code, 401);
    const { kind, status, reason, code, message } = wire.body;
    assert.deepEqual(
      { kind, status, reason, code, message },
      { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' },
    );
  });
  return { ms, error };
}

/** A legacy `kubernetes.io/service-account-token` Secret for `account`, once the token controller has filled it. */
async function legacyTokenSecret(
  admin: Clients,
  namespace: string,
  name: string,
  account: string,
): Promise<{ secret: k8s.V1Secret; token: string }> {
  await admin.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name, annotations: { 'kubernetes.io/service-account.name': account } },
      type: 'kubernetes.io/service-account-token',
    },
  });
  let secret: k8s.V1Secret = {};
  // The controller manager's serviceaccount-token controller signs the token and writes it in.
  await eventually(async () => {
    secret = await admin.core.readNamespacedSecret({ name, namespace });
    assert.ok(secret.data?.token, 'the token controller has not filled the Secret yet');
  }, 30_000);
  return { secret, token: Buffer.from(secret.data?.token ?? '', 'base64').toString() };
}

/** A namespace with ServiceAccount `name`, allowed to list Pods in it through RoleBinding `name-reads-pods`. */
async function namespaceWithServiceAccount(
  admin: Clients,
  namespace: string,
  name: string,
): Promise<k8s.V1ServiceAccount> {
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  const account = await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await admin.rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    },
  });
  await admin.rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${name}-reads-pods` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  return account;
}

describe('a real Kubernetes control plane (startKubeCluster)', { concurrency: true }, () => {
  let cluster: KubeCluster;
  let admin: Clients;
  let revoker: Clients;

  before(
    async () => {
      cluster = await startKubeCluster();
      admin = asIdentity(cluster, 'admin');
      revoker = asIdentity(cluster, 'revoker');
    },
    { timeout: 1_800_000 },
  );
  after(async () => {
    await cluster?.close();
  });

  it('gives the revoker identity its containment rules only', async () => {
    const self = await revoker.authn.createSelfSubjectReview({ body: {} });
    assert.equal(self.status?.userInfo?.username, cluster.users.revoker);
    const { code, status } = await refusal(
      revoker.core.createNamespacedServiceAccountToken({
        name: 'default',
        namespace: 'default',
        body: { spec: { audiences: [] } },
      }),
    );
    assert.equal(code, 403);
    assert.equal(status.reason, 'Forbidden');
  });

  it('refuses a Pod-bound token once its Pod is deleted', async (t) => {
    const namespace = 'bound-to-pod';
    await namespaceWithServiceAccount(admin, namespace, 'app');
    // No scheduler or kubelet: the Pod is stored and stays Pending, which is all a bound token needs.
    const pod = await admin.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'app' },
        spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
      },
    });
    assert.equal(pod.status?.phase, 'Pending');
    const request = await admin.core.createNamespacedServiceAccountToken({
      name: 'app',
      namespace,
      body: {
        spec: {
          audiences: [],
          expirationSeconds: 600,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'app', uid: pod.metadata?.uid },
        },
      },
    });
    const token = request.status?.token ?? '';
    assert.ok(token);

    const review = await tokenReview(revoker, token);
    assert.equal(review.authenticated, true);
    assert.equal(review.user?.username, `system:serviceaccount:${namespace}:app`);
    assert.deepEqual(review.user?.extra?.['authentication.kubernetes.io/pod-name'], ['app']);
    assert.deepEqual(review.user?.extra?.['authentication.kubernetes.io/pod-uid'], [pod.metadata?.uid]);
    assert.deepEqual(review.audiences, cluster.apiAudiences);
    const asApp = withToken(cluster, token);
    const self = await asApp.authn.createSelfSubjectReview({ body: {} });
    assert.equal(self.status?.userInfo?.username, `system:serviceaccount:${namespace}:app`);
    assert.equal((await asApp.core.listNamespacedPod({ namespace })).items.length, 1);

    // Unscheduled Pods are deleted at once, whatever the grace period.
    await revoker.core.deleteNamespacedPod({ name: 'app', namespace });
    // Not at once: the API server still honours its cached success for this token (used just above).
    assert.equal((await tokenReview(revoker, token)).authenticated, true);
    const { ms, error } = await assertRevoked(cluster, revoker, token, namespace);
    t.diagnostic(`refused after ${ms} ms: ${error}`);
    assert.match(error, /service account token has been invalidated/);
  });

  it('fills a legacy token Secret, and refuses its token once the Secret is deleted', async (t) => {
    const namespace = 'legacy-secret';
    await namespaceWithServiceAccount(admin, namespace, 'ci');
    const { secret, token } = await legacyTokenSecret(admin, namespace, 'ci-token', 'ci');
    assert.equal(Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString(), cluster.caPem);
    assert.equal(Buffer.from(secret.data?.namespace ?? '', 'base64').toString(), namespace);

    const review = await tokenReview(revoker, token);
    assert.equal(review.authenticated, true);
    assert.equal(review.user?.username, `system:serviceaccount:${namespace}:ci`);
    assert.equal((await withToken(cluster, token).core.listNamespacedPod({ namespace })).items.length, 0);
    // The API server marks a legacy token's Secret the day it is used.
    const used = await admin.core.readNamespacedSecret({ name: 'ci-token', namespace });
    assert.match(used.metadata?.labels?.['kubernetes.io/legacy-token-last-used'] ?? '', /^\d{4}-\d{2}-\d{2}$/);

    await revoker.core.deleteNamespacedSecret({ name: 'ci-token', namespace });
    const { ms, error } = await assertRevoked(cluster, revoker, token, namespace);
    t.diagnostic(`refused after ${ms} ms: ${error}`);
    assert.match(error, /Token has been invalidated/);
  });

  it('refuses a token bound to a ServiceAccount that was deleted and re-created (new UID)', async (t) => {
    const namespace = 'recreated-account';
    const original = await namespaceWithServiceAccount(admin, namespace, 'worker');
    const old = await admin.core.createNamespacedServiceAccountToken({
      name: 'worker',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const oldToken = old.status?.token ?? '';
    assert.equal((await tokenReview(revoker, oldToken)).authenticated, true);
    const legacy = await legacyTokenSecret(admin, namespace, 'worker-token', 'worker');

    await revoker.core.deleteNamespacedServiceAccount({ name: 'worker', namespace });
    const recreated = await revoker.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'worker' } },
    });
    assert.notEqual(recreated.metadata?.uid, original.metadata?.uid);
    const { ms, error } = await assertRevoked(cluster, revoker, oldToken, namespace);
    t.diagnostic(`refused after ${ms} ms: ${error}`);
    assert.match(
      error,
      new RegExp(
        `service account UID \\(${recreated.metadata?.uid}\\) does not match claim \\(${original.metadata?.uid}\\)`,
      ),
    );

    // The token controller deletes the old account's legacy token Secrets (their uid annotation names it),
    // so its legacy token is refused too.
    await eventually(async () => {
      const gone = await refusal(admin.core.readNamespacedSecret({ name: 'worker-token', namespace }));
      assert.equal(gone.code, 404);
    });
    assert.equal((await tokenReview(revoker, legacy.token)).authenticated, undefined);

    const fresh = await admin.core.createNamespacedServiceAccountToken({
      name: 'worker',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const freshToken = fresh.status?.token ?? '';
    assert.equal((await tokenReview(revoker, freshToken)).authenticated, true);
    // Same name, same RoleBinding subject: the new account keeps the old one's permissions.
    assert.equal((await withToken(cluster, freshToken).core.listNamespacedPod({ namespace })).items.length, 0);
  });

  it("counts the revoker identity's writes from the audit log, not its reads or reviews, and from zero after resetMutations()", async () => {
    const namespace = 'audited';
    await namespaceWithServiceAccount(admin, namespace, 'svc');
    const token = await admin.core.createNamespacedServiceAccountToken({
      name: 'svc',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    await tokenReview(revoker, token.status?.token ?? '');
    await revoker.core.listNamespacedServiceAccount({ namespace });
    await revoker.core.readNamespacedServiceAccount({ name: 'svc', namespace });
    // Refused (revoker may not mint tokens): a write attempted, not a mutation.
    await refusal(
      revoker.core.createNamespacedServiceAccountToken({ name: 'svc', namespace, body: { spec: { audiences: [] } } }),
    );
    await revoker.core.deleteNamespacedServiceAccount({ name: 'svc', namespace });

    const here = (writes: KubeWrite[]) =>
      writes.filter((w) => w.namespace === namespace || (w.resource === 'namespaces' && w.name === namespace));
    assert.deepEqual(
      here(cluster.mutations().log).map((w) => [w.user, w.verb, w.resource, w.name, w.code]),
      [['revoker', 'delete', 'serviceaccounts', 'svc', 200]],
    );
    assert.deepEqual(
      here(cluster.writes())
        .filter((w) => w.user !== 'system:kube-controller-manager')
        .map((w) => [w.user, w.verb, w.resource, w.code]),
      [
        ['kubernetes-admin', 'create', 'namespaces', 201],
        ['kubernetes-admin', 'create', 'serviceaccounts', 201],
        ['kubernetes-admin', 'create', 'roles', 201],
        ['kubernetes-admin', 'create', 'rolebindings', 201],
        ['kubernetes-admin', 'create', 'serviceaccounts/token', 201],
        ['revoker', 'create', 'serviceaccounts/token', 403],
        ['revoker', 'delete', 'serviceaccounts', 200],
      ],
    );
    assert.equal(
      cluster.writes().filter((w) => w.resource === 'tokenreviews').length,
      0,
      'a TokenReview changes nothing: not audited',
    );
    cluster.resetMutations();
    assert.deepEqual(here(cluster.writes()), []);
  });

  it('keeps authenticating a token whose RoleBinding is removed, but forbids what it granted (403)', async () => {
    const namespace = 'unbound-role';
    await namespaceWithServiceAccount(admin, namespace, 'reader');
    const request = await admin.core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const asReader = withToken(cluster, request.status?.token ?? '');
    assert.equal((await asReader.core.listNamespacedPod({ namespace })).items.length, 0);

    await revoker.rbac.deleteNamespacedRoleBinding({ name: 'reader-reads-pods', namespace });
    await eventually(async () => {
      const { code, status } = await refusal(asReader.core.listNamespacedPod({ namespace }));
      assert.equal(code, 403);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'Forbidden');
      assert.equal(
        status.message,
        `pods is forbidden: User "system:serviceaccount:${namespace}:reader" cannot list resource "pods" in API group "" in the namespace "${namespace}"`,
      );
    });
    const self = await asReader.authn.createSelfSubjectReview({ body: {} });
    assert.equal(self.status?.userInfo?.username, `system:serviceaccount:${namespace}:reader`);
  });
});
