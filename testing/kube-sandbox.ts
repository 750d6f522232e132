// The Kubernetes sandbox: a real control plane (testing/kube-cluster.ts) seeded with one workload whose
// service-account tokens an attacker stole, Peirates-style. `npm start`, the test stack and the teams' kit serve it;
// its helpers mint the "stolen" tokens and show them working, then refused.
import type { V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBERNETES_COPY_NAMESPACE, KUBERNETES_COPY_RULES, KUBERNETES_RESPONDER_RULES } from '../domain/permissions.js';
import type { Principal } from '../domain/principal.js';
import {
  kubeRequest,
  startKubeCluster,
  type ApiResponse,
  type KubeCluster,
  type KubeClusterOptions,
  type KubePolicyRule,
  type KubeWrite,
} from './kube-cluster.js';

const clusterId = 'sandbox';
const namespace = 'payments';
const serviceAccount = 'api';

/** What the sandbox cluster holds, by name. */
export const KUBE_SANDBOX = {
  /** The id alerts name the cluster by (REVOKER_KUBERNETES_CLUSTER). */
  clusterId,
  namespace,
  serviceAccount,
  /** Runs as the account: a token bound to it is valid while it exists (no kubelet: it stays Pending). */
  pod: 'api-0',
  /** A legacy `kubernetes.io/service-account-token` Secret of the account, filled by the token controller. */
  tokenSecret: 'api-token',
  /** Role `pod-reader` (list Pods in payments), bound to the account by RoleBinding `api-reads-pods`. */
  role: 'pod-reader',
  roleBinding: 'api-reads-pods',
  /** ClusterRole and ClusterRoleBinding `api-reads-namespaces` (list namespaces): the account's cluster-wide access. */
  clusterRole: 'api-reads-namespaces',
  clusterRoleBinding: 'api-reads-namespaces',
  /** Where Revoker keeps its copies of the bindings it removes (a Role there lets it). */
  copyNamespace: KUBERNETES_COPY_NAMESPACE,
  /** The incidents an alert names: the account, its Pod-bound token, its legacy token. */
  principals: {
    serviceAccount: { type: 'kubernetes.serviceAccount', cluster: clusterId, namespace, name: serviceAccount },
    podToken: { type: 'kubernetes.token', cluster: clusterId, namespace, serviceAccount, pod: 'api-0' },
    secretToken: { type: 'kubernetes.token', cluster: clusterId, namespace, serviceAccount, secret: 'api-token' },
  } satisfies Record<string, Principal>,
} as const;

/** The ClusterRole the sandbox gives Revoker: domain/permissions.ts's, the one deploy/kubernetes applies. */
export function responderKubeRules(): KubePolicyRule[] {
  return KUBERNETES_RESPONDER_RULES.map((rule) => ({
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
  }));
}

/** The API server caches an accepted token for 10 s (not configurable): a revoked one is refused within about that. */
export const TOKEN_CACHE_MS = 10_000;

export interface KubeSandbox {
  cluster: KubeCluster;
  /**
   * Creates what is missing and puts back what changed (server-side apply): idempotent, also on a kept state dir.
   * With `resume` (npm start again on its kept state): a cluster seeded before keeps what its last run left (a
   * Secret or binding a containment removed stays removed, as the other sandboxes keep their state files) except that
   * a deleted Pod comes back, as its controller would start it again.
   */
  seed(options?: { resume?: boolean }): Promise<void>;
  /**
   * Back to the seed when anyone but the cluster's own controllers wrote to it since the last reset (the audit log
   * says), and mutations() from zero: the binding copies are deleted, a deleted Pod, Secret or binding comes back, a
   * legacy Secret of a re-created account is made anew. Nothing is done when nothing was written.
   */
  reset(): Promise<void>;
  /**
   * The legacy token in Secret `api-token`, once the token controller has filled it (within seconds of a seed):
   * what an attacker reads with `get secrets`.
   */
  legacyToken(): Promise<string>;
  /** A token bound to Pod `api-0` (TokenRequest with its boundObjectRef), as the kubelet mounts it: stolen from the Pod. */
  podToken(options?: { expirationSeconds?: number }): Promise<string>;
  /** A token minted for the account itself (TokenRequest, bound to nothing): only re-creating the account ends it. */
  accountToken(options?: { expirationSeconds?: number }): Promise<string>;
  /** What listing the account's namespace's Pods with `token` answers: 200 works, 401 refused, 403 forbidden. */
  tokenStatus(token: string): Promise<number>;
  tokenWorks(token: string): Promise<boolean>;
  /** Polls until `token` is refused (401); returns how long it took, or throws after `withinMs` (default 20 s). */
  waitUntilRefused(token: string, options?: { withinMs?: number }): Promise<number>;
  /** The objects as the API server has them now, or undefined when gone. */
  serviceAccount(): Promise<V1ServiceAccount | undefined>;
  pod(): Promise<V1Pod | undefined>;
  tokenSecret(): Promise<V1Secret | undefined>;
  /** The bindings naming the account: `RoleBinding/payments/api-reads-pods`, `ClusterRoleBinding/api-reads-namespaces`. */
  bindings(): Promise<string[]>;
  /** The successful writes Revoker's identity made since the last reset, by verb and resource (`delete secrets`). */
  mutations(): { counts: Record<string, number>; log: KubeWrite[] };
  /** Stops the cluster. */
  close(): Promise<void>;
}

const FIELD_MANAGER = 'revoker-sandbox';
const RBAC = 'rbac.authorization.k8s.io';
const RBAC_PATH = `/apis/${RBAC}/v1`;
const SA_NAME = 'kubernetes.io/service-account.name';
const SA_UID = 'kubernetes.io/service-account.uid';
/** Writers that are the cluster itself (its controllers, the API server's own loopback): they do not dirty the seed. */
const SYSTEM_WRITERS = /^system:(kube-controller-manager|apiserver|serviceaccount:kube-system:.*)$/;

const accountSubject = { kind: 'ServiceAccount', name: serviceAccount, namespace };

/** The seed, in the order it is applied (a namespace before what is in it, an account before its Secret and Pod). */
function seedObjects(revokerUser: string): { path: string; body: object; revokerSetup?: true }[][] {
  const { pod, tokenSecret, role, roleBinding, clusterRole, clusterRoleBinding, copyNamespace } = KUBE_SANDBOX;
  const ns = `/api/v1/namespaces/${namespace}`;
  const copies = `${RBAC_PATH}/namespaces/${copyNamespace}`;
  return [
    [
      { path: ns, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } },
      {
        path: `/api/v1/namespaces/${copyNamespace}`,
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: copyNamespace } },
        revokerSetup: true,
      },
    ],
    [
      {
        path: `${ns}/serviceaccounts/${serviceAccount}`,
        body: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: serviceAccount, namespace, labels: { app: 'api' } },
        },
      },
      {
        path: `${RBAC_PATH}/namespaces/${namespace}/roles/${role}`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'Role',
          metadata: { name: role, namespace },
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
        },
      },
      {
        path: `${RBAC_PATH}/clusterroles/${clusterRole}`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRole',
          metadata: { name: clusterRole },
          rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] }],
        },
      },
      // Revoker's own Role where it keeps binding copies (deploy/kubernetes has the same).
      {
        revokerSetup: true,
        path: `${copies}/roles/revoker:binding-copies`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'Role',
          metadata: { name: 'revoker:binding-copies', namespace: copyNamespace },
          rules: KUBERNETES_COPY_RULES.map((rule) => ({
            apiGroups: [...rule.apiGroups],
            resources: [...rule.resources],
            verbs: [...rule.verbs],
          })),
        },
      },
    ],
    [
      {
        path: `${RBAC_PATH}/namespaces/${namespace}/rolebindings/${roleBinding}`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'RoleBinding',
          metadata: { name: roleBinding, namespace },
          roleRef: { apiGroup: RBAC, kind: 'Role', name: role },
          subjects: [accountSubject],
        },
      },
      {
        path: `${RBAC_PATH}/clusterrolebindings/${clusterRoleBinding}`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: { name: clusterRoleBinding },
          roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: clusterRole },
          subjects: [accountSubject],
        },
      },
      {
        revokerSetup: true,
        path: `${copies}/rolebindings/revoker:binding-copies`,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'RoleBinding',
          metadata: { name: 'revoker:binding-copies', namespace: copyNamespace },
          roleRef: { apiGroup: RBAC, kind: 'Role', name: 'revoker:binding-copies' },
          subjects: [{ apiGroup: RBAC, kind: 'User', name: revokerUser }],
        },
      },
      {
        path: `${ns}/pods/${pod}`,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: pod, namespace, labels: { app: 'api' } },
          spec: { serviceAccountName: serviceAccount, containers: [{ name: 'api', image: 'registry.example/api:1' }] },
        },
      },
      {
        path: `${ns}/secrets/${tokenSecret}`,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: tokenSecret, namespace, annotations: { [SA_NAME]: serviceAccount } },
          type: 'kubernetes.io/service-account-token',
        },
      },
    ],
  ];
}

function failed(what: string, res: ApiResponse): Error {
  return new Error(`Kubernetes sandbox: ${what} answered ${res.status}: ${res.body.slice(0, 500)}`);
}

/** The sandbox on a cluster already running (seed() it first); close() stops that cluster. */
export function kubeSandbox(cluster: KubeCluster): KubeSandbox {
  const admin = (method: string, path: string, body?: unknown, contentType?: string) =>
    kubeRequest(cluster, method, path, { token: cluster.tokens.admin, body, contentType });
  const read = async <T>(path: string): Promise<T | undefined> => {
    const res = await admin('GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw failed(`GET ${path}`, res);
    return JSON.parse(res.body) as T;
  };
  const apply = async (path: string, body: object): Promise<unknown> => {
    const res = await admin(
      'PATCH',
      `${path}?fieldManager=${FIELD_MANAGER}&force=true`,
      body,
      'application/apply-patch+yaml',
    );
    if (res.status >= 300) throw failed(`applying ${path}`, res);
    return JSON.parse(res.body) as unknown;
  };
  const ns = `/api/v1/namespaces/${namespace}`;
  const serviceAccountNow = () => read<V1ServiceAccount>(`${ns}/serviceaccounts/${serviceAccount}`);
  const podNow = () => read<V1Pod>(`${ns}/pods/${KUBE_SANDBOX.pod}`);
  const secretNow = () => read<V1Secret>(`${ns}/secrets/${KUBE_SANDBOX.tokenSecret}`);

  const seed = async ({ resume = false } = {}) => {
    const groups = seedObjects(cluster.users.revoker);
    if (resume && (await read(ns))) {
      // Seeded before: Revoker's own setup as it should be, and the Pod back if a containment deleted it.
      for (const group of groups) {
        await Promise.all(group.filter((o) => o.revokerSetup).map(({ path, body }) => apply(path, body)));
      }
      const podObject = groups.flat().find((o) => o.path === `${ns}/pods/${KUBE_SANDBOX.pod}`);
      if (podObject && !(await podNow())) await apply(podObject.path, podObject.body);
      return;
    }
    const [namespaces, roles, rest] = groups;
    await Promise.all((namespaces ?? []).map(({ path, body }) => apply(path, body)));
    await Promise.all((roles ?? []).map(({ path, body }) => apply(path, body)));
    // A legacy Secret names the account's uid once filled: one of an account deleted since (re-created) is
    // stale, and the token controller deletes it soon; deleted now, it is made again for the account there is.
    const [account, secret] = await Promise.all([serviceAccountNow(), secretNow()]);
    const uid = secret?.metadata?.annotations?.[SA_UID];
    if (uid && uid !== account?.metadata?.uid) {
      const res = await admin('DELETE', `${ns}/secrets/${KUBE_SANDBOX.tokenSecret}`);
      if (res.status !== 200 && res.status !== 404) throw failed('deleting the stale legacy Secret', res);
    }
    await Promise.all((rest ?? []).map(({ path, body }) => apply(path, body)));
  };

  const mint = async (spec: object): Promise<string> => {
    const res = await admin('POST', `${ns}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec,
    });
    if (res.status !== 201) throw failed('TokenRequest', res);
    const token = (JSON.parse(res.body) as { status?: { token?: string } }).status?.token;
    if (!token) throw new Error('Kubernetes sandbox: TokenRequest answered no token');
    return token;
  };

  const tokenStatus = async (token: string) => (await kubeRequest(cluster, 'GET', `${ns}/pods`, { token })).status;

  return {
    cluster,
    seed,
    async reset() {
      const dirty = cluster.writes().some((write) => !SYSTEM_WRITERS.test(write.user));
      if (dirty) {
        // The copies of bindings removed by an earlier test's incident: a release there is over.
        const copies = await admin('DELETE', `/api/v1/namespaces/${KUBE_SANDBOX.copyNamespace}/configmaps`);
        if (copies.status !== 200 && copies.status !== 404) throw failed('deleting the binding copies', copies);
        await seed();
      }
      cluster.resetMutations();
    },
    async legacyToken() {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const [account, secret] = await Promise.all([serviceAccountNow(), secretNow()]);
        const token = secret?.data?.token;
        if (token && secret.metadata?.annotations?.[SA_UID] === account?.metadata?.uid) {
          return Buffer.from(token, 'base64').toString();
        }
        if (Date.now() > deadline) {
          throw new Error(
            secret
              ? `Kubernetes sandbox: the token controller has not filled Secret ${namespace}/${KUBE_SANDBOX.tokenSecret} for the account there is (see ${cluster.dir}/logs/kube-controller-manager.log)`
              : `Kubernetes sandbox: there is no Secret ${namespace}/${KUBE_SANDBOX.tokenSecret}: seed() or reset() makes it`,
          );
        }
        await sleep(100);
      }
    },
    async podToken({ expirationSeconds = 3600 } = {}) {
      const pod = await podNow();
      if (!pod?.metadata?.uid) {
        throw new Error(
          `Kubernetes sandbox: there is no Pod ${namespace}/${KUBE_SANDBOX.pod}: seed() or reset() makes it`,
        );
      }
      return mint({
        audiences: [],
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: KUBE_SANDBOX.pod, uid: pod.metadata.uid },
      });
    },
    accountToken: ({ expirationSeconds = 3600 } = {}) => mint({ audiences: [], expirationSeconds }),
    tokenStatus,
    tokenWorks: async (token) => (await tokenStatus(token)) === 200,
    async waitUntilRefused(token, { withinMs = 2 * TOKEN_CACHE_MS } = {}) {
      const started = Date.now();
      for (;;) {
        const status = await tokenStatus(token);
        if (status === 401) return Date.now() - started;
        if (Date.now() - started > withinMs) {
          throw new Error(`the token still answers ${status}, not 401, ${withinMs} ms on`);
        }
        await sleep(250);
      }
    },
    serviceAccount: serviceAccountNow,
    pod: podNow,
    tokenSecret: secretNow,
    async bindings() {
      type Binding = { metadata?: { name?: string; namespace?: string }; subjects?: (typeof accountSubject)[] };
      const [roleBindings, clusterRoleBindings] = await Promise.all([
        read<{ items: Binding[] }>(`${RBAC_PATH}/rolebindings`),
        read<{ items: Binding[] }>(`${RBAC_PATH}/clusterrolebindings`),
      ]);
      const names = (binding: Binding) =>
        (binding.subjects ?? []).some(
          (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace,
        );
      return [
        ...(roleBindings?.items ?? [])
          .filter(names)
          .map((b) => `RoleBinding/${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`),
        ...(clusterRoleBindings?.items ?? []).filter(names).map((b) => `ClusterRoleBinding/${b.metadata?.name ?? ''}`),
      ];
    },
    mutations: () => cluster.mutations('revoker'),
    close: () => cluster.close(),
  };
}

export type KubeSandboxOptions = Pick<KubeClusterOptions, 'stateDir' | 'binaries' | 'startTimeoutMs'> & {
  /** Seed with `resume` (see seed()): for a kept state dir whose changes should survive a restart. */
  resume?: boolean;
};

/**
 * Starts a control plane whose `revoker` identity holds exactly Revoker's ClusterRole (domain/permissions.ts), and
 * seeds it. The binaries come from ensureKube(): a first run on a machine builds them (11 to 18 minutes on 2 cores).
 */
export async function startKubeSandbox(options: KubeSandboxOptions = {}): Promise<KubeSandbox> {
  const { resume, ...clusterOptions } = options;
  const cluster = await startKubeCluster({ ...clusterOptions, revokerRules: responderKubeRules() });
  try {
    const sandbox = kubeSandbox(cluster);
    await sandbox.seed({ resume: resume ?? false });
    cluster.resetMutations();
    return sandbox;
  } catch (error) {
    await cluster.close();
    throw error;
  }
}
