import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

// Identifier formats from the IAM reference ("IAM identifiers" and "IAM and AWS STS quotas"):
// names are 1-64 chars of [\w+=,.@-]; long-term access key ids start with AKIA, temporary ones with ASIA.
const awsAccountId = lazySchema(() => z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits'));
const iamName = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w+=,.@-]+$/, 'IAM names use letters, digits and +=,.@_-'),
);

export const AwsUserPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('aws.user'),
    accountId: awsAccountId,
    userName: iamName,
  }),
);

export const AwsRolePrincipal = lazySchema(() =>
  z.object({
    type: z.literal('aws.role'),
    accountId: awsAccountId,
    roleName: iamName,
  }),
);

export const AwsAccessKeyPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('aws.accessKey'),
    accountId: awsAccountId,
    accessKeyId: z
      .string()
      .regex(
        /^AKIA[A-Z0-9]{16}$/,
        'a long-term access key id is AKIA followed by 16 letters or digits (for a temporary ASIA… key, name the user or role that issued it)',
      ),
  }),
);

const guid = lazySchema(() =>
  z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      'a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47',
    ),
);

/** An Entra user by object id or user principal name (alerts carry either). */
export const EntraUserPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('entra.user'),
    tenantId: guid,
    user: z.union([guid, z.email({ error: 'a user object id (GUID) or user principal name (UPN)' })]),
  }),
);

/** An Entra service principal, by its object id or by its application's appId (client id). */
export const EntraServicePrincipalPrincipal = lazySchema(() =>
  z
    .object({
      type: z.literal('entra.servicePrincipal'),
      tenantId: guid,
      objectId: guid.optional(),
      appId: guid.optional(),
    })
    .refine((p) => Boolean(p.objectId) !== Boolean(p.appId), {
      message: 'name the service principal by exactly one of objectId or appId',
      path: ['appId'],
    }),
);

// Resource names from the IAM REST reference: projects/{project}/serviceAccounts/{email}/keys/{keyId}.
const projectId = lazySchema(() =>
  z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id: 6-30 lowercase letters, digits and hyphens'),
);
const serviceAccountEmail = lazySchema(() =>
  z
    .string()
    .regex(
      /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
      'a service account email, NAME@PROJECT.iam.gserviceaccount.com',
    ),
);

export const GcpServiceAccountPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('gcp.serviceAccount'),
    projectId,
    email: serviceAccountEmail,
  }),
);

export const GcpKeyPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('gcp.key'),
    keyName: z
      .string()
      .regex(
        /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/serviceAccounts\/[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com\/keys\/[0-9a-f]{16,64}$/,
        'a key resource name, projects/PROJECT/serviceAccounts/EMAIL/keys/KEY_ID',
      ),
  }),
);

// Google Workspace: a user by primary email (or the Directory API's numeric id, with the domain), and an OAuth client
// (a third-party app) by its client id, e.g. 408765192034-q3k9mailhelper8x2vb.apps.googleusercontent.com.
const workspaceDomain = lazySchema(() =>
  z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
      'a domain name such as acme.example',
    ),
);

export const WorkspaceUserPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('workspace.user'),
    /** The user's primary email: its domain names the Workspace account. */
    user: z.email({ error: "a Workspace user's primary email" }),
  }),
);

export const WorkspaceAppPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('workspace.app'),
    /** The Workspace account's primary domain. */
    domain: workspaceDomain,
    /** The OAuth client id Google shows for the app (Security > API controls, tokens.list's clientId). */
    clientId: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\w.@:-]+$/, 'an OAuth client id such as 1234567890-abc.apps.googleusercontent.com'),
    /** The user the alert saw grant or use it: that user's token is deleted first. */
    user: z.email().optional(),
  }),
);

// Kubernetes: a cluster as the topology names it, and DNS-1123 names (RFC 1123 labels for namespaces, subdomains
// for service accounts, Secrets and Pods).
const kubeCluster = lazySchema(() =>
  z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/i, 'a cluster id as the topology lists it, e.g. prod-eks'),
);
const kubeNamespace = lazySchema(() =>
  z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace: lowercase letters, digits and hyphens, up to 63'),
);
const kubeName = lazySchema(() =>
  z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name: lowercase letters, digits, hyphens and dots'),
);

export const KubernetesServiceAccountPrincipal = lazySchema(() =>
  z.object({
    type: z.literal('kubernetes.serviceAccount'),
    cluster: kubeCluster,
    namespace: kubeNamespace,
    name: kubeName,
  }),
);

/**
 * One stolen token of a service account, as an audit event names it: the legacy token's Secret, or the Pod a bound
 * token is bound to (`authentication.kubernetes.io/pod-name`), with its JTI (`credential-id`) when known.
 */
export const KubernetesTokenPrincipal = lazySchema(() =>
  z
    .object({
      type: z.literal('kubernetes.token'),
      cluster: kubeCluster,
      namespace: kubeNamespace,
      serviceAccount: kubeName,
      secret: kubeName.optional(),
      pod: kubeName.optional(),
      jti: z.string().max(128).optional(),
    })
    .refine((p) => p.secret ?? p.pod ?? p.jti, {
      message: 'name the token by its Secret, the Pod it is bound to, or its JTI',
      path: ['secret'],
    }),
);

export const Principal = lazySchema(() =>
  z.discriminatedUnion('type', [
    AwsUserPrincipal,
    AwsRolePrincipal,
    AwsAccessKeyPrincipal,
    EntraUserPrincipal,
    EntraServicePrincipalPrincipal,
    GcpServiceAccountPrincipal,
    GcpKeyPrincipal,
    WorkspaceUserPrincipal,
    WorkspaceAppPrincipal,
    KubernetesServiceAccountPrincipal,
    KubernetesTokenPrincipal,
  ]),
);

export type AwsUserPrincipal = z.infer<typeof AwsUserPrincipal>;
export type AwsRolePrincipal = z.infer<typeof AwsRolePrincipal>;
export type AwsAccessKeyPrincipal = z.infer<typeof AwsAccessKeyPrincipal>;
export type EntraUserPrincipal = z.infer<typeof EntraUserPrincipal>;
export type EntraServicePrincipalPrincipal = z.infer<typeof EntraServicePrincipalPrincipal>;
export type GcpServiceAccountPrincipal = z.infer<typeof GcpServiceAccountPrincipal>;
export type GcpKeyPrincipal = z.infer<typeof GcpKeyPrincipal>;
export type WorkspaceUserPrincipal = z.infer<typeof WorkspaceUserPrincipal>;
export type WorkspaceAppPrincipal = z.infer<typeof WorkspaceAppPrincipal>;
export type KubernetesServiceAccountPrincipal = z.infer<typeof KubernetesServiceAccountPrincipal>;
export type KubernetesTokenPrincipal = z.infer<typeof KubernetesTokenPrincipal>;
export type Principal = z.infer<typeof Principal>;
export type AwsPrincipal = AwsUserPrincipal | AwsRolePrincipal | AwsAccessKeyPrincipal;
export type EntraPrincipal = EntraUserPrincipal | EntraServicePrincipalPrincipal;
export type GcpPrincipal = GcpServiceAccountPrincipal | GcpKeyPrincipal;
export type WorkspacePrincipal = WorkspaceUserPrincipal | WorkspaceAppPrincipal;
export type KubernetesPrincipal = KubernetesServiceAccountPrincipal | KubernetesTokenPrincipal;

/** The Workspace account a principal belongs to: its primary domain, lower-cased. */
export function workspaceDomainOf(principal: WorkspacePrincipal): string {
  return (principal.type === 'workspace.app' ? principal.domain : (principal.user.split('@')[1] ?? '')).toLowerCase();
}

/** `projects/P/serviceAccounts/E/keys/K` → its parts. */
export function parseGcpKeyName(keyName: string): { projectId: string; email: string; keyId: string } {
  const [, projectId = '', , email = '', , keyId = ''] = keyName.split('/');
  return { projectId, email, keyId };
}
export type Provider = 'aws' | 'entra' | 'gcp' | 'workspace' | 'kubernetes';

export function providerOf(principal: Principal): Provider {
  return principal.type.split('.')[0] as Provider;
}

/** A stable path naming the principal, used in workflow ids and search attributes. */
export function principalKey(principal: Principal): string {
  switch (principal.type) {
    case 'aws.user':
      return `aws/${principal.accountId}/user/${principal.userName}`;
    case 'aws.role':
      return `aws/${principal.accountId}/role/${principal.roleName}`;
    case 'aws.accessKey':
      return `aws/${principal.accountId}/access-key/${principal.accessKeyId}`;
    case 'entra.user':
      return `entra/${principal.tenantId}/user/${principal.user.toLowerCase()}`;
    case 'entra.servicePrincipal':
      return principal.appId
        ? `entra/${principal.tenantId}/app/${principal.appId.toLowerCase()}`
        : `entra/${principal.tenantId}/service-principal/${(principal.objectId ?? '').toLowerCase()}`;
    case 'gcp.serviceAccount':
      return `gcp/${principal.projectId}/service-account/${principal.email}`;
    case 'gcp.key': {
      const { projectId, email, keyId } = parseGcpKeyName(principal.keyName);
      return `gcp/${projectId}/service-account/${email}/key/${keyId}`;
    }
    case 'workspace.user':
      return `workspace/${workspaceDomainOf(principal)}/user/${principal.user.toLowerCase()}`;
    case 'workspace.app':
      return `workspace/${workspaceDomainOf(principal)}/app/${principal.clientId}`;
    case 'kubernetes.serviceAccount':
      return `kubernetes/${principal.cluster}/${principal.namespace}/service-account/${principal.name}`;
    case 'kubernetes.token': {
      const which = principal.secret
        ? `secret/${principal.secret}`
        : principal.pod
          ? `pod/${principal.pod}`
          : `jti/${principal.jti ?? ''}`;
      return `kubernetes/${principal.cluster}/${principal.namespace}/service-account/${principal.serviceAccount}/${which}`;
    }
  }
}

/** A short human label for UIs and reports. */
export function describePrincipal(principal: Principal): string {
  switch (principal.type) {
    case 'aws.user':
      return `IAM user ${principal.userName} (${principal.accountId})`;
    case 'aws.role':
      return `IAM role ${principal.roleName} (${principal.accountId})`;
    case 'aws.accessKey':
      return `access key ${principal.accessKeyId} (${principal.accountId})`;
    case 'entra.user':
      return `Entra user ${principal.user}`;
    case 'entra.servicePrincipal':
      return principal.appId ? `Entra app ${principal.appId}` : `Entra service principal ${principal.objectId}`;
    case 'gcp.serviceAccount':
      return `service account ${principal.email}`;
    case 'gcp.key': {
      const { email, keyId } = parseGcpKeyName(principal.keyName);
      return `key ${keyId.slice(0, 12)}… of ${email}`;
    }
    case 'workspace.user':
      return `Workspace user ${principal.user}`;
    case 'workspace.app':
      return `Workspace app ${principal.clientId}${principal.user ? ` (granted by ${principal.user})` : ''}`;
    case 'kubernetes.serviceAccount':
      return `service account ${principal.namespace}/${principal.name} (${principal.cluster})`;
    case 'kubernetes.token':
      return `a token of ${principal.namespace}/${principal.serviceAccount} (${principal.cluster}, ${principal.secret ? `Secret ${principal.secret}` : principal.pod ? `Pod ${principal.pod}` : `JTI ${principal.jti ?? ''}`})`;
  }
}
