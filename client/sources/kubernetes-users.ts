import { z } from 'zod';
import {
  KubernetesServiceAccountPrincipal,
  KubernetesTokenPrincipal,
  type KubernetesPrincipal,
} from '../../domain/principal.js';
import { UnmappableAlert, type MissingField } from './source-adapter.js';

// Kubernetes identities as the API server authenticates them (authentication.k8s.io/v1 UserInfo, the `user` of an
// audit.k8s.io/v1 Event, the `username` GuardDuty copies from the EKS audit log), read into principals the same way
// whichever source carried them. Only service accounts can be contained: a token can be ended by deleting its Secret
// or the Pod it is bound to, or the account itself; users and nodes are authenticated by something outside the
// cluster (a certificate authority, an IAM mapping, an OIDC provider), which is where they are contained.

// https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/ : a token of account <name> in
// namespace <ns> authenticates as system:serviceaccount:<ns>:<name>.
const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The namespace and name of a service account's username, or nothing when it is not one. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  const match = SERVICE_ACCOUNT.exec(username);
  return match ? { namespace: match[1]!, name: match[2]! } : undefined;
}

/**
 * Why a username that is not a service account's cannot be contained in the cluster, and where it can be.
 * `mappedFrom` is what the source knows of where users and nodes come from (GuardDuty: EKS maps them from IAM).
 */
export function notAServiceAccount(username: string, mappedFrom?: string): string {
  const shown = JSON.stringify(username.length > 80 ? `${username.slice(0, 80)}…` : username);
  if (username === 'system:anonymous') {
    return `${shown} is an unauthenticated request: there is no credential to revoke. Remove the RBAC bindings that grant system:anonymous or system:unauthenticated anything (and turn anonymous authentication off where you can)`;
  }
  if (username.startsWith('system:serviceaccount:')) {
    return `${shown} is not system:serviceaccount:<namespace>:<name>`;
  }
  if (username.startsWith('system:node:')) {
    return `${shown} is a node's kubelet: Revoker contains service accounts and their tokens, not nodes. ${mappedFrom ?? 'Cordon, drain and replace the node'}`;
  }
  if (username.startsWith('system:')) {
    return `${shown} is a control-plane identity: Revoker contains service accounts and their tokens`;
  }
  return `${shown} is a user, not a service account: Revoker contains service accounts and their tokens. ${mappedFrom ?? "Revoke the user where it is authenticated (its identity provider, or its client certificate's CA)"}`;
}

/**
 * A service account principal, checked against the domain schema: a namespace or name that is not a DNS name, or a
 * cluster id that is not one the topology can list, is refused naming the source's own field.
 */
export function serviceAccountPrincipal(
  cluster: { field: string; value: string },
  username: { field: string; value: string },
): KubernetesPrincipal {
  const account = serviceAccountOf(username.value);
  if (!account) throw new UnmappableAlert([{ field: username.field, message: notAServiceAccount(username.value) }]);
  return checked(
    KubernetesServiceAccountPrincipal,
    { type: 'kubernetes.serviceAccount', cluster: cluster.value, ...account },
    { cluster: cluster.field, namespace: username.field, name: username.field },
  );
}

// authentication.k8s.io/v1 UserInfo: `extra` is a map of string to string[]. The keys below are set by the API
// server for service-account tokens (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
// "Bound service account tokens"): a token bound to a Pod names it, and every token from TokenRequest has a JTI.
// A legacy token (a kubernetes.io/service-account-token Secret) has none of them.
export const POD_NAME = 'authentication.kubernetes.io/pod-name';
export const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

const extraValue = z
  .tuple([z.string().max(256)], { error: 'an array of one string, as the API server writes extra values' })
  .optional();

/**
 * The audit event's `user`, as is. Only what the mapping reads is declared, and bounded; `groups`, `uid` and the
 * other extra keys (pod-uid, node-name, …) are ignored.
 */
export const KubernetesAuditUser = z.object({
  username: z.string().min(1).max(512),
  extra: z
    .object({
      [POD_NAME]: extraValue,
      [CREDENTIAL_ID]: extraValue,
    })
    .optional(),
});
export type KubernetesAuditUser = z.infer<typeof KubernetesAuditUser>;

/**
 * The principal an audit event's user is: the token it used when the event says which (the Pod it is bound to, its
 * JTI), else the service account (a legacy Secret token, whose Secret the event does not name: every Secret of the
 * account is then planned). `at` is where the user object sits (`principals.0.user`), for field names.
 */
export function auditUserPrincipal(
  cluster: { field: string; value: string },
  user: KubernetesAuditUser,
  at: string,
): KubernetesPrincipal {
  const username = { field: `${at}.username`, value: user.username };
  const account = serviceAccountPrincipal(cluster, username);
  if (account.type !== 'kubernetes.serviceAccount') return account;
  const podField = `${at}.extra["${POD_NAME}"]`;
  const jtiField = `${at}.extra["${CREDENTIAL_ID}"]`;
  const pod = user.extra?.[POD_NAME]?.[0];
  // JTI=<jti> for a service-account token; X509SHA256=… would be a client certificate, which names no token.
  const jti = /^JTI=(.+)$/.exec(user.extra?.[CREDENTIAL_ID]?.[0] ?? '')?.[1];
  if (!pod && !jti) return account;
  return checked(
    KubernetesTokenPrincipal,
    {
      type: 'kubernetes.token',
      cluster: account.cluster,
      namespace: account.namespace,
      serviceAccount: account.name,
      ...(pod ? { pod } : {}),
      ...(jti ? { jti } : {}),
    },
    { cluster: cluster.field, namespace: username.field, serviceAccount: username.field, pod: podField, jti: jtiField },
  );
}

function checked(
  schema: z.ZodType<KubernetesPrincipal>,
  candidate: KubernetesPrincipal,
  fields: Record<string, string>,
): KubernetesPrincipal {
  const parsed = schema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issues: MissingField[] = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    return { field: fields[key] ?? key, message: `${key}: ${issue.message}` };
  });
  throw new UnmappableAlert(issues);
}
