import { actionId, actionOf, type Action, type ActionSpec } from './action.js';
import type { Severity } from './alert.js';
import type {
  AwsRoleDiscovery,
  AwsUserDiscovery,
  Discovery,
  EntraServicePrincipalDiscovery,
  EntraUserDiscovery,
  GcpServiceAccountDiscovery,
  KubernetesServiceAccountDiscovery,
  WorkspaceAppDiscovery,
  WorkspaceUserDiscovery,
} from './discovery.js';
import { modeFor, type Policy } from './policy.js';

export interface PlanInput {
  severity: Severity;
  policy: Policy;
  /** Each alert principal (by principalKey) with what discovery saw of it. */
  discoveries: { principal: string; discovery: Discovery }[];
}

interface Planned {
  spec: ActionSpec;
  reason: string;
  dependsOn?: ActionSpec[];
}

/**
 * Alert + policy + discovered state → containment actions. Pure: the workflow calls it after
 * discovery, and tests pin it down. Two principals that lead to the same step yield one action.
 */
export function planActions({ severity, policy, discoveries }: PlanInput): Action[] {
  const actions = new Map<string, Action>();
  for (const { principal, discovery } of discoveries) {
    const planned = planFor(discovery);
    for (const { spec, reason, dependsOn = [] } of planned) {
      const id = actionId(spec);
      if (actions.has(id)) continue;
      const mode = serviceLinkedSkip(discovery) ? 'skip' : modeFor(policy, spec.kind, severity);
      actions.set(id, actionOf(spec, { principal, mode, reason, dependsOn: dependsOn.map(actionId) }));
    }
  }
  // A deny-all on a user already ends every session a session revocation on it would.
  for (const action of actions.values()) {
    if (
      action.kind === 'aws.revokeUserSessions' &&
      actions.has(actionId({ ...action, kind: 'aws.denyUserSessions' }))
    ) {
      actions.delete(action.id);
    }
  }
  return [...actions.values()];
}

function planFor(discovery: Discovery): Planned[] {
  switch (discovery.type) {
    case 'aws.user':
      return planAwsUser(discovery);
    case 'aws.role':
      return planAwsRole(discovery);
    case 'entra.user':
      return planEntraUser(discovery);
    case 'entra.servicePrincipal':
      return planEntraServicePrincipal(discovery);
    case 'gcp.serviceAccount':
      return planGcpServiceAccount(discovery);
    case 'workspace.user':
      return planWorkspaceUser(discovery);
    case 'workspace.app':
      return planWorkspaceApp(discovery);
    case 'kubernetes.serviceAccount':
      return planKubernetesServiceAccount(discovery);
  }
}

/**
 * A stolen service-account token: its legacy Secret deleted at once, the Pod a bound token is bound to deleted with
 * approval (the workload restarts), or, as the alternative that restarts nothing, the account taken out of its bindings
 * with approval (a release puts it back); and for the account itself, or a token known only by its JTI, the account
 * re-created with approval, which refuses every token it ever had.
 */
function planKubernetesServiceAccount(account: KubernetesServiceAccountDiscovery): Planned[] {
  const { cluster, namespace, name, focus } = account;
  const where = { cluster, namespace, serviceAccount: name };
  const secrets = focus?.secret
    ? account.tokenSecrets.filter((s) => s === focus.secret)
    : focus
      ? []
      : account.tokenSecrets;
  const pods = focus?.pod ? account.pods.filter((p) => p.name === focus.pod) : focus ? [] : account.pods;
  const planned: Planned[] = [
    ...secrets.map((secret): Planned => ({
      spec: { kind: 'kubernetes.deleteTokenSecret', target: { ...where, secret } },
      reason: `Secret ${secret} holds a legacy token of ${namespace}/${name}, valid until the Secret is deleted.`,
    })),
    ...pods.map((pod): Planned => ({
      spec: { kind: 'kubernetes.deletePod', target: { ...where, pod: pod.name, uid: pod.uid } },
      reason: `Pod ${pod.name} holds a token bound to it, valid until the Pod is gone; its controller starts a new one.`,
    })),
  ];
  const bindings = account.bindings ?? [];
  if (bindings.length) {
    planned.push({
      spec: { kind: 'kubernetes.removeBindings', target: where },
      reason: `The account is named in ${bindings.length === 1 ? 'a binding' : `${bindings.length} bindings`} (${bindings.slice(0, 3).join(', ')}${bindings.length > 3 ? ', …' : ''}): taking it out leaves its tokens good for nothing without restarting anything, and a release puts it back.`,
    });
  }
  if (!focus || (!focus.secret && !focus.pod)) {
    planned.push({
      spec: { kind: 'kubernetes.recreateServiceAccount', target: { cluster, namespace, name, uid: account.uid } },
      reason: focus
        ? `The stolen token is known only by its JTI (${focus.jti ?? ''}): re-creating the account refuses every token it had.`
        : 'A token may have been minted for the account itself (TokenRequest): only a new account refuses every one.',
    });
  }
  return planned;
}

function planWorkspaceUser(user: WorkspaceUserDiscovery): Planned[] {
  const target = { domain: user.domain, user: user.primaryEmail };
  return [
    {
      spec: { kind: 'workspace.signOutUser', target },
      reason:
        'A stolen session cookie or device session is ended by signing the user out everywhere; the user signs in again.',
    },
    {
      spec: { kind: 'workspace.suspendUser', target },
      reason: user.suspended
        ? 'The user is already suspended; the step confirms it stays so.'
        : 'Suspension locks the account and refuses the apps acting for it until the incident is released.',
    },
  ];
}

function planWorkspaceApp(app: WorkspaceAppDiscovery): Planned[] {
  const { domain, clientId, displayText } = app;
  const planned: Planned[] = [];
  if (app.focusUser) {
    planned.push({
      spec: { kind: 'workspace.deleteAppToken', target: { domain, clientId, displayText, user: app.focusUser } },
      reason: `${app.focusUser} granted ${displayText}: deleting the grant revokes its refresh token.`,
    });
  }
  const others = app.grantCount - (app.focusUser ? 1 : 0);
  if (others > 0 || !app.focusUser) {
    planned.push({
      spec: { kind: 'workspace.deleteAppTokensEverywhere', target: { domain, clientId, displayText } },
      reason:
        `${app.grantCount} of ${app.usersScanned} users hold a grant to ${displayText}` +
        `${app.grantedBy.length ? ` (${app.grantedBy.slice(0, 5).join(', ')}${app.grantCount > 5 ? ', …' : ''})` : ''}: ` +
        'an app stealing tokens is contained only once every grant is gone.',
    });
  }
  return planned;
}

function serviceLinkedSkip(discovery: Discovery): boolean {
  return discovery.type === 'aws.role' && discovery.serviceLinked;
}

function planAwsUser(user: AwsUserDiscovery): Planned[] {
  const { accountId, userName } = user;
  const keys = user.focusAccessKeyId
    ? user.accessKeys.filter((key) => key.accessKeyId === user.focusAccessKeyId)
    : user.accessKeys;
  const planned: Planned[] = [];
  for (const key of keys) {
    const target = { accountId, userName, accessKeyId: key.accessKeyId };
    const deactivate: ActionSpec = { kind: 'aws.deactivateAccessKey', target };
    planned.push({
      spec: deactivate,
      reason:
        key.status === 'Active'
          ? `Key ${key.accessKeyId} is active and may be the stolen credential.`
          : `Key ${key.accessKeyId} is already inactive; the step confirms it stays so.`,
    });
    planned.push({
      spec: { kind: 'aws.deleteAccessKey', target },
      reason: `A stolen key must never be reactivated; delete it once it is inactive.`,
      dependsOn: [deactivate],
    });
  }
  // The least disruptive control that does the job: a stolen key is not a compromised user.
  if (user.focusAccessKeyId) {
    planned.push({
      spec: { kind: 'aws.revokeUserSessions', target: { accountId, userName } },
      reason:
        "Sessions minted with the stolen key (GetSessionToken, GetFederationToken) outlive its deactivation; denying the user's sessions issued before now ends them, and leaves its other keys working.",
    });
    return planned;
  }
  planned.push({
    spec: { kind: 'aws.denyUserSessions', target: { accountId, userName } },
    reason:
      'The user itself is the principal: an explicit deny on it ends every request, its keys and GetFederationToken/GetSessionToken sessions included.',
  });
  return planned;
}

function planAwsRole(role: AwsRoleDiscovery): Planned[] {
  return [
    {
      spec: { kind: 'aws.revokeRoleSessions', target: { accountId: role.accountId, roleName: role.roleName } },
      reason: role.serviceLinked
        ? 'Service-linked roles refuse inline policies: their sessions cannot be revoked here.'
        : 'Assumed-role sessions stay valid until they expire; a deny on older aws:TokenIssueTime ends them and lets new sessions work.',
    },
  ];
}

function planEntraUser(user: EntraUserDiscovery): Planned[] {
  const target = { tenantId: user.tenantId, userId: user.userId, userPrincipalName: user.userPrincipalName };
  return [
    {
      spec: { kind: 'entra.revokeUserSessions', target },
      reason: 'A stolen refresh token or session cookie keeps minting access tokens until the sessions are revoked.',
    },
    {
      spec: { kind: 'entra.disableUser', target },
      reason: user.accountEnabled
        ? 'Stops new sign-ins while the account is investigated.'
        : 'The account is already disabled; the step confirms it stays so.',
    },
  ];
}

function planEntraServicePrincipal(sp: EntraServicePrincipalDiscovery): Planned[] {
  const target = {
    tenantId: sp.tenantId,
    servicePrincipalId: sp.servicePrincipalId,
    appId: sp.appId,
    displayName: sp.displayName,
  };
  const credentials = sp.passwordKeyIds.length + sp.certificateKeyIds.length;
  const grants = sp.grantIds.length + sp.appRoleAssignmentIds.length;
  return [
    {
      spec: { kind: 'entra.disableServicePrincipal', target },
      reason: 'A disabled service principal gets no new tokens, whatever credentials its owner still holds.',
    },
    {
      spec: { kind: 'entra.removeServicePrincipalCredentials', target },
      reason: credentials
        ? `${credentials} secret(s)/certificate(s) can mint app-only tokens for whoever holds them.`
        : 'No secrets or certificates are registered; the step confirms none are.',
    },
    {
      spec: { kind: 'entra.deleteConsentGrants', target },
      reason: grants
        ? `${grants} consent grant(s) and app permission(s) give the app access to users' data.`
        : 'No consent grants or app permissions are held; the step confirms none are.',
    },
  ];
}

function planGcpServiceAccount(account: GcpServiceAccountDiscovery): Planned[] {
  const { projectId, email } = account;
  const keys = account.focusKeyName ? account.keys.filter((k) => k.name === account.focusKeyName) : account.keys;
  const planned: Planned[] = [];
  for (const key of keys) {
    const target = { projectId, email, keyName: key.name };
    const disable: ActionSpec = { kind: 'gcp.disableKey', target };
    planned.push(
      {
        spec: disable,
        reason: key.disabled
          ? 'The key is already disabled; the step confirms it stays so.'
          : 'The key may be the stolen credential; disabling it stops new tokens at once and can be undone.',
      },
      {
        spec: { kind: 'gcp.deleteKey', target },
        reason: 'A stolen key must never be re-enabled; delete it once it is disabled.',
        dependsOn: [disable],
      },
    );
  }
  planned.push({
    spec: { kind: 'gcp.disableServiceAccount', target: { projectId, email } },
    reason:
      'Access tokens already minted from a stolen key outlive the key; only disabling the account refuses them at once.',
  });
  return planned;
}
