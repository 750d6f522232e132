import { principalKey, type Principal } from './principal.js';

/** What a provider's read-only discovery saw of a principal: the "discovered state" planning works from. */

// The fields marked "for the card" feed the triage card (domain/card.ts) and nothing else: they are optional because
// recorded histories hold discoveries without them, and a read the worker may not make leaves them out and says so in
// `unread` rather than failing discovery.

/** When a credential was last used, as the provider says. `at` absent: never used (AWS answers "N/A"). */
export interface LastUse {
  at?: string;
  region?: string;
  service?: string;
}

/** A read for the card that discovery could not make, and why: "attached policies", "iam:ListAttachedUserPolicies denied". */
export interface Unread {
  /** Which part of the card it leaves empty. */
  part: 'reach' | 'lastUsed' | 'identity';
  what: string;
  why: string;
}

/** An IAM identity's policies by name: managed ones attached, inline ones its own. */
export interface AwsPolicies {
  attached: string[];
  inline: string[];
}

export interface AwsAccessKeyState {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate?: string;
  /** For the card: GetAccessKeyLastUsed, read for the active keys and the focus key. */
  lastUsed?: LastUse;
}

export interface AwsUserDiscovery {
  type: 'aws.user';
  accountId: string;
  userName: string;
  accessKeys: AwsAccessKeyState[];
  /** Set when the alert named one access key: only that key is contained. */
  focusAccessKeyId?: string;
  /** For the card: the user's ARN (GetUser). */
  arn?: string;
  /** For the card: the user's own policies. */
  policies?: AwsPolicies;
  /** For the card: the groups it is in, each with its policies (what the user gets through them). */
  groups?: ({ groupName: string } & AwsPolicies)[];
  unread?: Unread[];
}

export interface AwsRoleDiscovery {
  type: 'aws.role';
  accountId: string;
  roleName: string;
  /** Service-linked roles refuse inline policies, so their sessions cannot be revoked this way. */
  serviceLinked: boolean;
  /** For the card: the role's ARN (GetRole). */
  arn?: string;
  /** For the card. */
  policies?: AwsPolicies;
  /** For the card: GetRole's RoleLastUsed (AWS tracks the last 400 days; `at` absent: not used in them). */
  lastUsed?: LastUse;
  unread?: Unread[];
}

export interface EntraUserDiscovery {
  type: 'entra.user';
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  /** For the card. */
  displayName?: string;
  /** For the card: signInActivity's last sign-in, interactive or not (AuditLog.Read.All and an Entra ID P1 licence). */
  lastSignIn?: LastUse;
  unread?: Unread[];
}

/** Consented delegated permissions of an app on one resource API (oauth2PermissionGrants). */
export interface EntraDelegatedReach {
  /** The resource's display name: "Microsoft Graph". */
  resource: string;
  scopes: string[];
  /** Admin consent for the whole tenant (consentType AllPrincipals). */
  allUsers: boolean;
  /** Users who consented for themselves (distinct principalId of the Principal grants). */
  users: number;
}

export interface EntraServicePrincipalDiscovery {
  type: 'entra.servicePrincipal';
  tenantId: string;
  servicePrincipalId: string;
  appId: string;
  /** Chosen by whoever registered the app: for a multi-tenant app, someone outside the tenant. */
  displayName: string;
  /**
   * The tenant the app is registered in (Graph's `appOwnerOrganizationId`): the tenant itself for its own
   * apps, another for a multi-tenant app users consented to. Absent in runs recorded before it was read.
   */
  appOwnerTenantId?: string;
  accountEnabled: boolean;
  passwordKeyIds: string[];
  certificateKeyIds: string[];
  grantIds: string[];
  appRoleAssignmentIds: string[];
  /** For the card: who may sign in to the app (AzureADMyOrg, AzureADMultipleOrgs, …). */
  signInAudience?: string;
  /** For the card: the delegated permissions users consented to, by resource. */
  delegated?: EntraDelegatedReach[];
  /** For the card: the application permissions (app roles) it holds, by resource: the role values, or their ids. */
  applicationPermissions?: { resource: string; roles: string[] }[];
  unread?: Unread[];
}

export interface GcpServiceAccountDiscovery {
  type: 'gcp.serviceAccount';
  projectId: string;
  email: string;
  disabled: boolean;
  /** User-managed keys only: Google-managed ones cannot be disabled or deleted. `validAfterTime` (for the card): made then. */
  keys: { name: string; disabled: boolean; validAfterTime?: string }[];
  /** Set when the alert named one key: only that key is disabled and deleted. */
  focusKeyName?: string;
  /** For the card. */
  displayName?: string;
  /** For the card: the roles the account holds on its project (projects.getIamPolicy), conditional ones marked. */
  roles?: string[];
  unread?: Unread[];
}

export interface WorkspaceUserDiscovery {
  type: 'workspace.user';
  /** The Workspace account's primary domain. */
  domain: string;
  userId: string;
  primaryEmail: string;
  suspended: boolean;
  isAdmin: boolean;
  /** The OAuth apps the user has granted (tokens.list): what a stolen session may already have handed out. */
  apps: { clientId: string; displayText: string }[];
}

export interface WorkspaceAppDiscovery {
  type: 'workspace.app';
  domain: string;
  clientId: string;
  /** The app's name as Google shows it to users (tokens' displayText); the client id when no token names it. */
  displayText: string;
  /** The user the alert named, when that user still holds a token for the app. */
  focusUser?: string;
  /** Users holding a token for the app (a scan of every user's tokens), the first WORKSPACE_GRANTS_SHOWN of them. */
  grantedBy: string[];
  /** How many users hold a token for it, and how many were scanned. */
  grantCount: number;
  usersScanned: number;
  /** For the card: the OAuth scopes its tokens carry (every grantee's, together). */
  scopes?: string[];
}

export interface KubernetesServiceAccountDiscovery {
  type: 'kubernetes.serviceAccount';
  cluster: string;
  namespace: string;
  name: string;
  /** The account's uid: its bound tokens name it, so a re-created account (a new uid) refuses them all. */
  uid: string;
  /** Its legacy token Secrets (type kubernetes.io/service-account-token): long-lived, valid until deleted. */
  tokenSecrets: string[];
  /** The Pods running as it, each with its uid: a bound token stays valid while its Pod exists. */
  pods: { name: string; uid: string }[];
  /**
   * The RoleBindings and ClusterRoleBindings naming the account (`ClusterRoleBinding/<name>`,
   * `RoleBinding/<namespace>/<name>`): what its tokens are good for. Absent in discoveries recorded before.
   */
  bindings?: string[];
  /** For the card: the role each of those bindings grants (`ClusterRole/admin`). */
  roles?: { binding: string; role: string }[];
  /** Set when the alert named one token: only it is contained (its Secret, or its Pod). */
  focus?: { secret?: string; pod?: string; jti?: string };
}

/** Discovery lists at most this many of an app's grantees (the count is exact); the act scans again anyway. */
export const WORKSPACE_GRANTS_SHOWN = 50;

export type Discovery =
  | AwsUserDiscovery
  | AwsRoleDiscovery
  | EntraUserDiscovery
  | EntraServicePrincipalDiscovery
  | GcpServiceAccountDiscovery
  | WorkspaceUserDiscovery
  | WorkspaceAppDiscovery
  | KubernetesServiceAccountDiscovery;

/**
 * Every principal key naming what discovery found, as alerts may name it: an Entra user by object id
 * and by user principal name, an app by appId and by service-principal id. An incident files itself
 * under all of them, so an alert naming its principal another way finds it and joins it.
 */
export function discoveredKeys(d: Discovery): string[] {
  const keys = ((): Principal[] => {
    switch (d.type) {
      case 'aws.user':
        return d.focusAccessKeyId
          ? [{ type: 'aws.accessKey', accountId: d.accountId, accessKeyId: d.focusAccessKeyId }]
          : [{ type: 'aws.user', accountId: d.accountId, userName: d.userName }];
      case 'aws.role':
        return [{ type: 'aws.role', accountId: d.accountId, roleName: d.roleName }];
      case 'entra.user':
        return [
          { type: 'entra.user', tenantId: d.tenantId, user: d.userId },
          { type: 'entra.user', tenantId: d.tenantId, user: d.userPrincipalName },
        ];
      case 'entra.servicePrincipal':
        return [
          { type: 'entra.servicePrincipal', tenantId: d.tenantId, appId: d.appId },
          { type: 'entra.servicePrincipal', tenantId: d.tenantId, objectId: d.servicePrincipalId },
        ];
      case 'gcp.serviceAccount':
        return d.focusKeyName
          ? [{ type: 'gcp.key', keyName: d.focusKeyName }]
          : [{ type: 'gcp.serviceAccount', projectId: d.projectId, email: d.email }];
      case 'workspace.user':
        return [{ type: 'workspace.user', user: d.primaryEmail }];
      case 'workspace.app':
        return [{ type: 'workspace.app', domain: d.domain, clientId: d.clientId }];
      case 'kubernetes.serviceAccount': {
        const account = { cluster: d.cluster, namespace: d.namespace };
        return d.focus
          ? [{ type: 'kubernetes.token', ...account, serviceAccount: d.name, ...d.focus }]
          : [{ type: 'kubernetes.serviceAccount', ...account, name: d.name }];
      }
    }
  })();
  return [...new Set(keys.map(principalKey))];
}
