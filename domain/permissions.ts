/**
 * The least privilege Revoker needs in each account, tenant and project: one list per cloud, used by
 * the setup templates (scripts/setup-templates.ts writes deploy/), `revoker doctor` and docs/deploy.md.
 * activities/permissions.test.ts checks each list against the calls the activities make.
 */

/** Actions the responder role needs in every member account (`Resource: *`, or the IAM ones narrowed to users/roles). */
export const AWS_RESPONDER_ACTIONS = [
  'iam:GetUser',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  'iam:ListGroupsForUser',
  'iam:ListAttachedGroupPolicies',
  'iam:ListGroupPolicies',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:GetLoginProfile',
  'iam:DeleteLoginProfile',
  'iam:GetUserPolicy',
  'iam:PutUserPolicy',
  'iam:DeleteUserPolicy',
  'iam:GetRole',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'cloudtrail:LookupEvents',
] as const;

/** What each action is for, as `revoker doctor` says when one is missing. */
export const AWS_ACTION_USE: Record<(typeof AWS_RESPONDER_ACTIONS)[number], string> = {
  'iam:GetUser': 'look up an IAM user',
  'iam:ListAccessKeys': "read a user's access keys",
  'iam:GetAccessKeyLastUsed':
    'find the user of a key named only by its id, and when each key was last used (the triage card)',
  'iam:ListAttachedUserPolicies': "show the user's managed policies on the triage card",
  'iam:ListUserPolicies': "show the user's inline policies on the triage card",
  'iam:ListGroupsForUser': "show the user's groups on the triage card",
  'iam:ListAttachedGroupPolicies': "show the managed policies of the user's groups on the triage card",
  'iam:ListGroupPolicies': "show the inline policies of the user's groups on the triage card",
  'iam:UpdateAccessKey': 'deactivate a key (and reactivate it on release)',
  'iam:DeleteAccessKey': 'delete a key, after approval',
  'iam:GetLoginProfile': 'read whether a user found by the sweep has a console password',
  'iam:DeleteLoginProfile': "delete a backdoor user's console password, after approval",
  'iam:GetUserPolicy': "read the user's deny and session-revocation policies",
  'iam:PutUserPolicy': "deny a user's sessions",
  'iam:DeleteUserPolicy': 'lift a deny on release',
  'iam:GetRole': 'look up an IAM role (and when it was last used, for the triage card)',
  'iam:ListAttachedRolePolicies': "show the role's managed policies on the triage card",
  'iam:ListRolePolicies': "show the role's inline policies on the triage card",
  'iam:GetRolePolicy': "read a role's session revocation",
  'iam:PutRolePolicy': "revoke a role's sessions",
  'iam:DeleteRolePolicy': 'lift a role session revocation on release',
  'cloudtrail:LookupEvents': 'read what the stolen credentials did (the persistence sweep)',
};

/** Microsoft Graph application permissions, admin-consented in every tenant. */
export const GRAPH_APPLICATION_PERMISSIONS = {
  'User.ReadWrite.All': 'read users, disable them, and enable them again on release',
  'User.RevokeSessions.All': "revoke a user's sign-in sessions",
  'Application.ReadWrite.All':
    'read service principals and applications, remove their secrets, certificates and federated credentials, disable and enable them',
  'DelegatedPermissionGrant.ReadWrite.All': 'delete the consent grants of a malicious app',
  'AppRoleAssignment.ReadWrite.All': 'delete the app role assignments of a malicious app',
  'AuditLog.Read.All': 'read the directory audit and sign-in logs (the persistence sweep and the watch)',
} as const;
export type GraphPermission = keyof typeof GRAPH_APPLICATION_PERMISSIONS;

/** IAM permissions of the custom role `revokerResponder`, granted at the organisation, a folder or a project. */
export const GCP_RESPONDER_PERMISSIONS = {
  'iam.serviceAccounts.get': 'look up a service account',
  'iam.serviceAccounts.disable': 'disable a service account',
  'iam.serviceAccounts.enable': 'enable it again on release',
  'iam.serviceAccountKeys.list': "list a service account's keys",
  'iam.serviceAccountKeys.get': 'read a key',
  'iam.serviceAccountKeys.disable': 'disable a key',
  'iam.serviceAccountKeys.enable': 'enable it again on release',
  'iam.serviceAccountKeys.delete': 'delete a key, after approval',
  'iam.serviceAccounts.getIamPolicy': "read a service account's own policy (who may impersonate it)",
  'iam.serviceAccounts.setIamPolicy': 'remove a token creator binding (and put it back on release)',
  'logging.logEntries.list': 'read Admin Activity audit logs (the persistence sweep and the watch)',
  'logging.privateLogEntries.list': 'read Data Access audit logs (GenerateAccessToken, for the sweep and the watch)',
  'resourcemanager.projects.getIamPolicy': 'show the roles a service account holds on its project on the triage card',
} as const;
export type GcpPermission = keyof typeof GCP_RESPONDER_PERMISSIONS;

/** The member accounts' responder role policy. */
export function awsResponderPolicy(): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'RevokerContainAws', Effect: 'Allow', Action: [...AWS_RESPONDER_ACTIONS], Resource: '*' }],
  };
}

/** The hub's own policy: assume the responder role, and nothing else, in any member account. */
export function awsHubPolicy(roleName = 'RevokerResponder', rolePath = '/', partition = 'aws'): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RevokerAssumeResponderRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: `arn:${partition}:iam::*:role${rolePath}${roleName}`,
      },
    ],
  };
}

/** The trust policy of a member account's responder role: the hub principal, with the ExternalId. */
export function awsResponderTrustPolicy(hubPrincipalArn: string, externalId?: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: hubPrincipalArn },
        Action: 'sts:AssumeRole',
        ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
      },
    ],
  };
}

/** The custom role definition, as `gcloud iam roles create --file` takes it. */
export function gcpResponderRole(): object {
  return {
    title: 'Revoker responder',
    description:
      'Contain stolen service-account credentials: disable accounts and keys, delete keys after approval, remove token creator bindings, read audit logs.',
    stage: 'GA',
    includedPermissions: Object.keys(GCP_RESPONDER_PERMISSIONS),
  };
}

/**
 * Kubernetes: what Revoker's ClusterRole grants its identity in each cluster (deploy/kubernetes/clusterrole.yaml),
 * each rule with what it is for. Nothing here creates workloads or grants access.
 */
export const KUBERNETES_RESPONDER_RULES = [
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'delete', 'create'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['rolebindings', 'clusterrolebindings'],
    verbs: ['get', 'list', 'update', 'delete', 'create'],
  },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles'], verbs: ['bind'] },
] as const;

/**
 * Where Revoker keeps the copy of the bindings it took an account out of, unless the topology names another
 * namespace (`copyNamespace`): one only cluster admins and Revoker may write, because a release re-creates what the
 * copy says.
 */
export const KUBERNETES_COPY_NAMESPACE = 'revoker';

/** What Revoker's Role in the copy namespace grants (only there: a ConfigMap elsewhere may configure anything). */
export const KUBERNETES_COPY_RULES = [
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'] },
] as const;

export const KUBERNETES_RULE_USE: Record<string, string> = {
  serviceaccounts: 'read the account; delete and re-create it as the last resort (with approval)',
  'serviceaccounts/token': 'mint a short token for a re-created account, to prove it works (TokenReview)',
  secrets: "find the account's legacy token Secrets and delete them",
  pods: 'find the Pods running as the account; delete one to end the tokens bound to it (with approval)',
  tokenreviews: 'check that a token of the re-created account authenticates',
  rolebindings: 'find what the account is bound to; take it out (with approval) and, on release, put it back',
  roles:
    '`bind`: Kubernetes lets only a holder of `bind` (or of every permission of the role) edit or re-create a binding. It lets Revoker bind any role, so drop this rule and set kubernetes.removeBindings to skip in the policy if you would rather not grant it',
  configmaps: `(Role in the copy namespace, default ${KUBERNETES_COPY_NAMESPACE}) keep the copy of removed bindings that a release restores`,
};

const rulesOf = (
  rules: readonly { apiGroups: readonly string[]; resources: readonly string[]; verbs: readonly string[] }[],
) => rules.map((rule) => ({ apiGroups: [...rule.apiGroups], resources: [...rule.resources], verbs: [...rule.verbs] }));

/** The ClusterRole, as Kubernetes takes it. */
export function kubernetesResponderClusterRole(): object {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'revoker:containment' },
    rules: rulesOf(KUBERNETES_RESPONDER_RULES),
  };
}

/** The copy namespace's Role, as Kubernetes takes it. */
export function kubernetesCopyRole(namespace = KUBERNETES_COPY_NAMESPACE): object {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'revoker:binding-copies', namespace },
    rules: rulesOf(KUBERNETES_COPY_RULES),
  };
}
