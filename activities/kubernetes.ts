import {
  ApiException,
  type AuthenticationV1Api,
  type CoreV1Api,
  type RbacAuthorizationV1Api,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import type { KubernetesPodTarget, KubernetesSecretTarget, KubernetesServiceAccountTarget } from '../domain/action.js';
import type { KubernetesServiceAccountDiscovery } from '../domain/discovery.js';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import type { KubernetesPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { beforeChange } from './attempt.js';
import { bindingGrants, copyName, createBindingActivities } from './kubernetes-bindings.js';
import {
  classifyActivities,
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
  UnsafeStateError,
  type ProviderError,
} from './errors.js';
import { checkEach } from './limited.js';

export interface KubernetesActivityDeps {
  core: CoreV1Api;
  authentication: AuthenticationV1Api;
  rbac: RbacAuthorizationV1Api;
  /** Where the copy of removed bindings is kept (activities/kubernetes-bindings.ts). */
  copyNamespace: string;
  /** Who the client is (its kubeconfig user), for `revoker doctor`. */
  identity?: string;
}

/**
 * Where each cluster's calls go: clients made from the kubeconfig (or in-cluster config) the topology names for
 * it. Every activity asks for its target's own cluster (worker/kubernetes-clients.ts).
 */
export interface KubernetesClusters {
  clients(cluster: string): Promise<KubernetesActivityDeps>;
  listed(): Promise<ListedTarget[]>;
}

const LEGACY_TOKEN = 'kubernetes.io/service-account-token';
const SA_ANNOTATION = 'kubernetes.io/service-account.name';
/** A short token minted to prove the re-created account works; nobody keeps it. */
const PROOF_TOKEN_SECONDS = 600;

/** Kubernetes' Status object, as an ApiException carries it (a JSON string, or parsed). */
function statusOf(error: ApiException<unknown>): { message?: string; reason?: string } {
  const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  return body && typeof body === 'object' ? body : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Maps the API server's answers (Status objects) and the network's failures to provider errors. */
export function classifyKubernetesError(error: unknown): ProviderError | undefined {
  if (error instanceof ApiException) {
    const status = statusOf(error);
    const detail = `${status.reason ?? `HTTP ${error.code}`}: ${status.message ?? error.message}`;
    const retryAfter = Number(error.headers['retry-after']);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    if (error.code === 429)
      return new ThrottledError(`the Kubernetes API throttled the call (${detail})`, { retryAfterMs, cause: error });
    if (error.code >= 500)
      return new ProviderUnavailableError(`the Kubernetes API failed (${detail})`, { retryAfterMs, cause: error });
    if (error.code === 404)
      return new TargetNotFoundError(
        `${detail}. Check the cluster, namespace and names in the alert; nothing was changed.`,
        { cause: error },
      );
    if (error.code === 401 || error.code === 403) {
      return new PermissionDeniedError(
        `${detail}. Bind the worker's identity to Revoker's ClusterRole (deploy/kubernetes/clusterrole.yaml) in this cluster (docs/deploy.md, "Kubernetes").`,
        { cause: error },
      );
    }
    if (error.code === 409)
      return new UnsafeStateError(`the object changed under Revoker (${detail})`, { cause: error });
    return new InvalidRequestError(`the Kubernetes API rejected the call (${detail})`, { cause: error });
  }
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const network = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed/i;
  if (error instanceof Error && (network.test(error.message) || (typeof code === 'string' && network.test(code)))) {
    return new ProviderUnavailableError(`Could not reach the Kubernetes API: ${error.message}`, { cause: error });
  }
  return undefined;
}

const notFound = (error: unknown) => error instanceof ApiException && error.code === 404;

/**
 * Kubernetes service-account token containment, through the API server with the worker's kubeconfig. Each step
 * reads first and changes only what differs; deletions carry the discovered uid as a precondition, so a Pod or
 * account re-created meanwhile under the same name is never deleted by mistake.
 */
export function createKubernetesActivities(clusters: KubernetesClusters) {
  const activities = {
    ...createBindingActivities((cluster) => clusters.clients(cluster)),
    async discoverKubernetesPrincipal(principal: KubernetesPrincipal): Promise<KubernetesServiceAccountDiscovery> {
      const name = principal.type === 'kubernetes.serviceAccount' ? principal.name : principal.serviceAccount;
      const { namespace, cluster } = principal;
      const { core, rbac } = await clusters.clients(cluster);
      const account = await core.readNamespacedServiceAccount({ name, namespace });
      const grants = await bindingGrants(rbac, { cluster, namespace, serviceAccount: name });
      const secrets = await core.listNamespacedSecret({ namespace, fieldSelector: `type=${LEGACY_TOKEN}` });
      const tokenSecrets = secrets.items
        .filter((s) => s.metadata?.annotations?.[SA_ANNOTATION] === name)
        .map((s) => s.metadata?.name ?? '')
        .filter(Boolean);
      const pods = (await core.listNamespacedPod({ namespace })).items
        .filter((p) => (p.spec?.serviceAccountName ?? 'default') === name && !p.metadata?.deletionTimestamp)
        .map((p) => ({ name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '' }));
      const focus =
        principal.type === 'kubernetes.token'
          ? {
              ...(principal.secret ? { secret: principal.secret } : {}),
              ...(principal.pod ? { pod: principal.pod } : {}),
              ...(principal.jti ? { jti: principal.jti } : {}),
            }
          : undefined;
      if (focus?.secret && !tokenSecrets.includes(focus.secret)) {
        throw new TargetNotFoundError(
          `Secret ${namespace}/${focus.secret} is not a legacy token of ${name} (deleted already?): nothing to contain.`,
        );
      }
      return {
        type: 'kubernetes.serviceAccount',
        cluster,
        namespace,
        name,
        uid: account.metadata?.uid ?? '',
        tokenSecrets,
        pods,
        bindings: grants.map((g) => g.binding),
        roles: grants,
        ...(focus ? { focus } : {}),
      };
    },

    async deleteKubernetesTokenSecret(target: KubernetesSecretTarget): Promise<StepOutcome> {
      const { core } = await clusters.clients(target.cluster);
      let secret;
      try {
        secret = await core.readNamespacedSecret({ name: target.secret, namespace: target.namespace });
      } catch (error) {
        if (notFound(error)) return { outcome: 'already', observed: `Secret ${target.secret} no longer exists` };
        throw error;
      }
      if (secret.type !== LEGACY_TOKEN || secret.metadata?.annotations?.[SA_ANNOTATION] !== target.serviceAccount) {
        throw new UnsafeStateError(
          `Secret ${target.namespace}/${target.secret} is no longer a token of ${target.serviceAccount} (type ${secret.type ?? '?'}): it was replaced; nothing was deleted.`,
        );
      }
      const observed = `Secret ${target.secret} held a token of ${target.serviceAccount}`;
      await beforeChange(observed);
      await core.deleteNamespacedSecret({
        name: target.secret,
        namespace: target.namespace,
        body: { preconditions: { uid: secret.metadata.uid ?? '' } },
      });
      return { outcome: 'done', observed };
    },

    async verifyKubernetesTokenSecretDeleted(target: KubernetesSecretTarget): Promise<CheckResult> {
      const { core } = await clusters.clients(target.cluster);
      try {
        await core.readNamespacedSecret({ name: target.secret, namespace: target.namespace });
        return { ok: false, evidence: `Secret ${target.namespace}/${target.secret} still exists` };
      } catch (error) {
        if (!notFound(error)) throw error;
        return { ok: true, evidence: `Secret ${target.namespace}/${target.secret} is gone: its token is refused` };
      }
    },

    async deleteKubernetesPod(target: KubernetesPodTarget): Promise<StepOutcome> {
      const { core } = await clusters.clients(target.cluster);
      let pod;
      try {
        pod = await core.readNamespacedPod({ name: target.pod, namespace: target.namespace });
      } catch (error) {
        if (notFound(error)) return { outcome: 'already', observed: `Pod ${target.pod} no longer exists` };
        throw error;
      }
      if (pod.metadata?.uid !== target.uid) {
        return {
          outcome: 'already',
          observed: `Pod ${target.pod} was replaced since discovery (a new uid): its tokens are new`,
        };
      }
      const observed = `Pod ${target.pod} ran as ${target.serviceAccount}`;
      await beforeChange(observed);
      await core.deleteNamespacedPod({
        name: target.pod,
        namespace: target.namespace,
        body: { preconditions: { uid: target.uid } },
      });
      return { outcome: 'done', observed };
    },

    async verifyKubernetesPodGone(target: KubernetesPodTarget): Promise<CheckResult> {
      const { core } = await clusters.clients(target.cluster);
      try {
        const pod = await core.readNamespacedPod({ name: target.pod, namespace: target.namespace });
        if (pod.metadata?.uid !== target.uid) {
          return {
            ok: true,
            evidence: `Pod ${target.pod} is a new one (uid ${pod.metadata?.uid ?? '?'}): tokens bound to the old one are refused`,
          };
        }
        return {
          ok: false,
          evidence: pod.metadata.deletionTimestamp
            ? `Pod ${target.pod} is still terminating`
            : `Pod ${target.pod} (uid ${target.uid}) still exists`,
        };
      } catch (error) {
        if (!notFound(error)) throw error;
        return { ok: true, evidence: `Pod ${target.namespace}/${target.pod} is gone: tokens bound to it are refused` };
      }
    },

    async recreateKubernetesServiceAccount(target: KubernetesServiceAccountTarget): Promise<StepOutcome> {
      const { core } = await clusters.clients(target.cluster);
      let account: V1ServiceAccount | undefined;
      try {
        account = await core.readNamespacedServiceAccount({ name: target.name, namespace: target.namespace });
      } catch (error) {
        if (!notFound(error)) throw error;
      }
      if (account && account.metadata?.uid !== target.uid) {
        return {
          outcome: 'already',
          observed: `${target.name} was already re-created (uid ${account.metadata?.uid ?? '?'})`,
        };
      }
      // The copy that is re-created: what makes the account the same to its workloads, not its identity.
      const copy: V1ServiceAccount = {
        metadata: {
          name: target.name,
          namespace: target.namespace,
          ...(account?.metadata?.labels ? { labels: account.metadata.labels } : {}),
          annotations: { ...account?.metadata?.annotations, 'revoker.dev/recreated-from-uid': target.uid },
        },
        ...(account?.imagePullSecrets ? { imagePullSecrets: account.imagePullSecrets } : {}),
        ...(account?.automountServiceAccountToken === undefined
          ? {}
          : { automountServiceAccountToken: account.automountServiceAccountToken }),
      };
      const observed = account ? `${target.name} had uid ${target.uid}` : `${target.name} was already deleted`;
      await beforeChange(observed);
      if (account) {
        await core
          .deleteNamespacedServiceAccount({
            name: target.name,
            namespace: target.namespace,
            body: { preconditions: { uid: target.uid } },
          })
          .catch((error: unknown) => {
            if (!notFound(error)) throw error;
          });
      }
      await core.createNamespacedServiceAccount({ namespace: target.namespace, body: copy }).catch((error: unknown) => {
        // Created by an earlier attempt whose reply was lost: the same outcome.
        if (!(error instanceof ApiException && error.code === 409)) throw error;
      });
      return { outcome: 'done', observed };
    },

    /** The account exists under a new uid, and a token minted for it now authenticates as that uid. */
    async verifyKubernetesServiceAccountRecreated(target: KubernetesServiceAccountTarget): Promise<CheckResult> {
      const { core, authentication } = await clusters.clients(target.cluster);
      let account;
      try {
        account = await core.readNamespacedServiceAccount({ name: target.name, namespace: target.namespace });
      } catch (error) {
        if (!notFound(error)) throw error;
        return { ok: false, evidence: `service account ${target.namespace}/${target.name} does not exist` };
      }
      const uid = account.metadata?.uid ?? '';
      if (uid === target.uid) return { ok: false, evidence: `${target.name} still has its old uid ${uid}` };
      const minted = await core.createNamespacedServiceAccountToken({
        name: target.name,
        namespace: target.namespace,
        body: { spec: { audiences: [], expirationSeconds: PROOF_TOKEN_SECONDS } },
      });
      const review = await authentication.createTokenReview({ body: { spec: { token: minted.status?.token ?? '' } } });
      const ok = review.status?.authenticated === true && review.status.user?.uid === uid;
      return {
        ok,
        evidence: ok
          ? `${target.name} has a new uid ${uid}; TokenReview authenticates a new token as it (tokens naming ${target.uid} are refused)`
          : `TokenReview does not authenticate a new token of ${target.name}: ${review.status?.error ?? 'no reason given'}`,
      };
    },

    /** `revoker doctor`: each listed cluster, reached with read-only calls. */
    async checkKubernetesAccess(): Promise<AccessCheck[]> {
      return checkEach('kubernetes', await clusters.listed(), classifyKubernetesError, async (cluster) => {
        const { core, rbac, identity, copyNamespace } = await clusters.clients(cluster);
        await core.listNamespacedServiceAccount({ namespace: 'default', limit: 1 });
        await core.listNamespacedSecret({ namespace: 'default', limit: 1, fieldSelector: `type=${LEGACY_TOKEN}` });
        await core.listNamespacedPod({ namespace: 'default', limit: 1 });
        await rbac.listClusterRoleBinding({ limit: 1 });
        await rbac.listRoleBindingForAllNamespaces({ limit: 1 });
        // Reading a copy that does not exist answers 404 when Revoker may read copies there, 403 when it may not.
        const probe = { cluster, namespace: 'default', serviceAccount: 'revoker-doctor-probe' };
        await core
          .readNamespacedConfigMap({ name: copyName(probe), namespace: copyNamespace })
          .catch((error: unknown) => {
            if (!notFound(error)) throw error;
          });
        return {
          ...(identity ? { identity } : {}),
          missing: [],
          unchecked: [
            'secrets delete',
            'pods delete',
            'serviceaccounts delete, create',
            'serviceaccounts/token create',
            'tokenreviews create',
            'rolebindings, clusterrolebindings update, delete, create',
            'roles, clusterroles bind',
            `configmaps create, update in ${copyNamespace}`,
          ],
        };
      });
    },
  };
  return classifyActivities(activities, classifyKubernetesError);
}

export type KubernetesActivities = ReturnType<typeof createKubernetesActivities>;
