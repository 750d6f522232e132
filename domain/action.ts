import { z } from 'zod';
import type { Provider } from './principal.js';

export const ActionKind = z.enum([
  'aws.deactivateAccessKey',
  'aws.denyUserSessions',
  'aws.revokeRoleSessions',
  'aws.deleteAccessKey',
  'aws.revokeUserSessions',
  'entra.revokeUserSessions',
  'entra.disableUser',
  'entra.removeServicePrincipalCredentials',
  'entra.deleteConsentGrants',
  'entra.disableServicePrincipal',
  'gcp.disableKey',
  'gcp.deleteKey',
  'gcp.disableServiceAccount',
  // Release after a false positive: each undoes one reversible containment kind (RELEASE_OF).
  'aws.reactivateAccessKey',
  'aws.removeUserDeny',
  'aws.removeRoleRevocation',
  'aws.removeUserSessionRevocation',
  'entra.enableUser',
  'entra.enableServicePrincipal',
  'gcp.enableKey',
  'gcp.enableServiceAccount',
]);
export type ActionKind = z.infer<typeof ActionKind>;

export const Mode = z.enum(['auto', 'approval', 'skip']);
export type Mode = z.infer<typeof Mode>;

export interface ActionKindInfo {
  provider: Provider;
  /** Can a release undo it? */
  reversible: boolean;
  /** Destroys something: never runs without a human decision. */
  destructive: boolean;
  /** What the provider still lets through after the action ran. */
  residualRisk: string;
  /** The residual risk in a few words, for the dry run's table. */
  shortRisk: string;
  /** For a release kind: the containment kind it undoes. */
  undoes?: ActionKind;
  /** Done, it makes this (reversible) kind's control on the same target permanent: a deleted key cannot come back. */
  ends?: ActionKind;
}

// Residual windows: IAM user guide, "Revoking IAM role temporary security credentials" and
// "Comparing the AWS STS API operations" (federation/session tokens outlive key deactivation).
export const ACTION_KINDS: Record<ActionKind, ActionKindInfo> = {
  'aws.deactivateAccessKey': {
    shortRisk: 'STS sessions minted from the key live until they expire',
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      'Temporary credentials already minted from this key (GetSessionToken, GetFederationToken, AssumeRole) stay valid until they expire unless a session deny covers them.',
  },
  'aws.denyUserSessions': {
    shortRisk: 'sessions of roles it assumed are untouched',
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      "Sessions of roles assumed from this user are the role's, not the user's: contain those roles too. Credentials of the root user cannot be contained this way.",
  },
  'aws.revokeUserSessions': {
    shortRisk: 'sessions minted after containment, and other keys, still work',
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      "Only the user's sessions issued before containment (GetSessionToken, GetFederationToken) are denied: the user's other access keys keep working, and so do sessions minted after it. Sessions of roles the stolen key assumed are the role's: contain those roles too.",
  },
  'aws.revokeRoleSessions': {
    shortRisk: 'new sessions of the role still work',
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      'Only sessions issued before the revocation time are denied: whoever can still assume the role can mint new sessions.',
  },
  'aws.deleteAccessKey': {
    shortRisk: 'none; permanent, workloads need a new key',
    provider: 'aws',
    reversible: false,
    destructive: true,
    ends: 'aws.deactivateAccessKey',
    residualRisk: 'None for this key; deletion is permanent, and workloads that used it need a new key.',
  },
  // Entra: "Revoke user access in Microsoft Entra ID" and "Continuous access evaluation" (docs).
  'entra.revokeUserSessions': {
    shortRisk: 'issued access tokens live ~1 h (CAE: up to 28 h)',
    provider: 'entra',
    reversible: false,
    destructive: false,
    residualRisk:
      'Refresh tokens and session cookies are dead, but access tokens already issued stay valid until they expire (about 1 hour; up to 28 hours for CAE-capable clients) unless the resource enforces continuous access evaluation. App-only tokens are not affected.',
  },
  'entra.disableUser': {
    shortRisk: 'issued access tokens live ~1 h',
    provider: 'entra',
    reversible: true,
    destructive: false,
    residualRisk:
      'No new sign-ins or tokens; access tokens already issued stay valid until they expire (about 1 hour) at resources that do not enforce continuous access evaluation.',
  },
  'entra.removeServicePrincipalCredentials': {
    shortRisk: 'app-only tokens live 60-90 min; home-tenant secrets stay',
    provider: 'entra',
    reversible: false,
    destructive: true,
    residualRisk:
      "App-only access tokens already minted with these credentials stay valid until they expire (60-90 minutes). Credentials on the application object in the app's home tenant are not touched: the owner of a multi-tenant app can add new ones, so also disable the service principal.",
  },
  'entra.deleteConsentGrants': {
    shortRisk: 'issued tokens keep the permissions ~1 h; users may consent again',
    provider: 'entra',
    reversible: false,
    destructive: true,
    residualRisk:
      'No new tokens carry the revoked permissions; access tokens already issued keep them until they expire (about 1 hour). Users can consent again unless user consent is restricted.',
  },
  'entra.disableServicePrincipal': {
    shortRisk: 'issued tokens live 60-90 min',
    provider: 'entra',
    reversible: true,
    destructive: false,
    residualRisk:
      'No new tokens are issued to the app in this tenant; tokens already issued stay valid until they expire (60-90 minutes).',
  },
  // GCP: "Service account credentials" and "Disable service accounts" (IAM docs).
  'gcp.disableKey': {
    shortRisk: 'OAuth tokens minted from the key live ~1 h (up to 12 h)',
    provider: 'gcp',
    reversible: true,
    destructive: false,
    residualRisk:
      'Self-signed JWTs from the key stop at once, but OAuth access tokens already minted with it stay valid until they expire (1 hour by default, up to 12 hours): disable the service account to cut them.',
  },
  'gcp.deleteKey': {
    shortRisk: 'none; permanent, minted tokens live until they expire',
    provider: 'gcp',
    reversible: false,
    destructive: true,
    ends: 'gcp.disableKey',
    residualRisk:
      'None for this key; deletion is permanent. Access tokens minted from it before live until they expire unless the service account is disabled.',
  },
  'gcp.disableServiceAccount': {
    shortRisk: 'token creators on it can mint again once re-enabled',
    provider: 'gcp',
    reversible: true,
    destructive: false,
    residualRisk:
      'Its tokens are refused at once and workloads running as it stop. Principals holding roles/iam.serviceAccountTokenCreator on it can mint tokens again once it is re-enabled: review those grants.',
  },
  // Release: what comes back if the alert was not a false positive after all.
  'aws.reactivateAccessKey': {
    shortRisk: 'the key works again',
    provider: 'aws',
    reversible: false,
    destructive: false,
    undoes: 'aws.deactivateAccessKey',
    residualRisk: 'The key works again for whoever holds it.',
  },
  'aws.removeUserDeny': {
    shortRisk: "the user's keys and sessions work again",
    provider: 'aws',
    reversible: false,
    destructive: false,
    undoes: 'aws.denyUserSessions',
    residualRisk: "The user's keys and unexpired GetSessionToken/GetFederationToken sessions work again.",
  },
  'aws.removeRoleRevocation': {
    shortRisk: 'older sessions of the role work again',
    provider: 'aws',
    reversible: false,
    destructive: false,
    undoes: 'aws.revokeRoleSessions',
    residualRisk: 'Unexpired sessions of the role issued before the revocation work again.',
  },
  'aws.removeUserSessionRevocation': {
    shortRisk: "the user's older sessions work again",
    provider: 'aws',
    reversible: false,
    destructive: false,
    undoes: 'aws.revokeUserSessions',
    residualRisk:
      "The user's unexpired GetSessionToken/GetFederationToken sessions issued before the revocation work again.",
  },
  'entra.enableUser': {
    shortRisk: 'the user can sign in again',
    provider: 'entra',
    reversible: false,
    destructive: false,
    undoes: 'entra.disableUser',
    residualRisk: 'The user can sign in again; revoked sessions stay revoked.',
  },
  'entra.enableServicePrincipal': {
    shortRisk: 'the app gets tokens again',
    provider: 'entra',
    reversible: false,
    destructive: false,
    undoes: 'entra.disableServicePrincipal',
    residualRisk: 'The app gets tokens again with whatever credentials and grants it still has.',
  },
  'gcp.enableKey': {
    shortRisk: 'the key works again',
    provider: 'gcp',
    reversible: false,
    destructive: false,
    undoes: 'gcp.disableKey',
    residualRisk: 'The key works again for whoever holds it.',
  },
  'gcp.enableServiceAccount': {
    shortRisk: 'the account and its keys work again',
    provider: 'gcp',
    reversible: false,
    destructive: false,
    undoes: 'gcp.disableServiceAccount',
    residualRisk: 'The service account and its enabled keys work again.',
  },
};

/** Containment kind → the release kind that undoes it (only the reversible kinds have one). */
export const RELEASE_OF: Partial<Record<ActionKind, ActionKind>> = Object.fromEntries(
  Object.entries(ACTION_KINDS).flatMap(([kind, info]) => (info.undoes ? [[info.undoes, kind]] : [])),
);

/** A release kind (one that undoes containment), as opposed to a containment kind. */
export function isReleaseKind(kind: ActionKind): boolean {
  return ACTION_KINDS[kind].undoes !== undefined;
}

export interface AwsKeyTarget {
  accountId: string;
  userName: string;
  accessKeyId: string;
}
export interface AwsUserTarget {
  accountId: string;
  userName: string;
}
export interface AwsRoleTarget {
  accountId: string;
  roleName: string;
}

export interface EntraUserTarget {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
}
export interface EntraServicePrincipalTarget {
  tenantId: string;
  servicePrincipalId: string;
  appId: string;
  displayName: string;
}
export interface GcpServiceAccountTarget {
  projectId: string;
  email: string;
}
export interface GcpKeyTarget extends GcpServiceAccountTarget {
  keyName: string;
}

export type ActionSpec =
  | { kind: 'aws.deactivateAccessKey'; target: AwsKeyTarget }
  | { kind: 'aws.deleteAccessKey'; target: AwsKeyTarget }
  | { kind: 'aws.denyUserSessions'; target: AwsUserTarget }
  | { kind: 'aws.revokeRoleSessions'; target: AwsRoleTarget }
  | { kind: 'aws.revokeUserSessions'; target: AwsUserTarget }
  | { kind: 'aws.removeUserSessionRevocation'; target: AwsUserTarget }
  | { kind: 'entra.revokeUserSessions'; target: EntraUserTarget }
  | { kind: 'entra.disableUser'; target: EntraUserTarget }
  | { kind: 'entra.removeServicePrincipalCredentials'; target: EntraServicePrincipalTarget }
  | { kind: 'entra.deleteConsentGrants'; target: EntraServicePrincipalTarget }
  | { kind: 'entra.disableServicePrincipal'; target: EntraServicePrincipalTarget }
  | { kind: 'gcp.disableKey'; target: GcpKeyTarget }
  | { kind: 'gcp.deleteKey'; target: GcpKeyTarget }
  | { kind: 'gcp.disableServiceAccount'; target: GcpServiceAccountTarget }
  | { kind: 'aws.reactivateAccessKey'; target: AwsKeyTarget }
  | { kind: 'aws.removeUserDeny'; target: AwsUserTarget }
  | { kind: 'aws.removeRoleRevocation'; target: AwsRoleTarget }
  | { kind: 'entra.enableUser'; target: EntraUserTarget }
  | { kind: 'entra.enableServicePrincipal'; target: EntraServicePrincipalTarget }
  | { kind: 'gcp.enableKey'; target: GcpKeyTarget }
  | { kind: 'gcp.enableServiceAccount'; target: GcpServiceAccountTarget };

/** One containment step, with a stable id derived from what it does and to what. */
export type Action = ActionSpec & {
  id: string;
  provider: Provider;
  /** principalKey() of the principal the step contains. */
  principal: string;
  reversible: boolean;
  destructive: boolean;
  mode: Mode;
  /** Why it was planned, in a sentence. */
  reason: string;
  /** What it will do, in a sentence a responder can approve. */
  description: string;
  /** Ids of the actions that must have succeeded first. */
  dependsOn: string[];
  residualRisk: string;
  /** For a release step: the id of the containment step it undoes. */
  reverses?: string;
};

export function actionId(spec: ActionSpec): string {
  switch (spec.kind) {
    case 'aws.deactivateAccessKey':
      return `aws:deactivate-key:${spec.target.accessKeyId}`;
    case 'aws.deleteAccessKey':
      return `aws:delete-key:${spec.target.accessKeyId}`;
    case 'aws.denyUserSessions':
      return `aws:deny-user-sessions:${spec.target.accountId}/${spec.target.userName}`;
    case 'aws.revokeRoleSessions':
      return `aws:revoke-role-sessions:${spec.target.accountId}/${spec.target.roleName}`;
    case 'aws.revokeUserSessions':
      return `aws:revoke-user-sessions:${spec.target.accountId}/${spec.target.userName}`;
    case 'aws.removeUserSessionRevocation':
      return `aws:remove-user-session-revocation:${spec.target.accountId}/${spec.target.userName}`;
    case 'entra.revokeUserSessions':
      return `entra:revoke-sessions:${spec.target.userId}`;
    case 'entra.disableUser':
      return `entra:disable-user:${spec.target.userId}`;
    case 'entra.removeServicePrincipalCredentials':
      return `entra:remove-credentials:${spec.target.servicePrincipalId}`;
    case 'entra.deleteConsentGrants':
      return `entra:delete-grants:${spec.target.servicePrincipalId}`;
    case 'entra.disableServicePrincipal':
      return `entra:disable-service-principal:${spec.target.servicePrincipalId}`;
    case 'gcp.disableKey':
      return `gcp:disable-key:${spec.target.keyName.split('/').pop() ?? ''}`;
    case 'gcp.deleteKey':
      return `gcp:delete-key:${spec.target.keyName.split('/').pop() ?? ''}`;
    case 'gcp.disableServiceAccount':
      return `gcp:disable-service-account:${spec.target.email}`;
    case 'aws.reactivateAccessKey':
      return `aws:reactivate-key:${spec.target.accessKeyId}`;
    case 'aws.removeUserDeny':
      return `aws:remove-user-deny:${spec.target.accountId}/${spec.target.userName}`;
    case 'aws.removeRoleRevocation':
      return `aws:remove-role-revocation:${spec.target.accountId}/${spec.target.roleName}`;
    case 'entra.enableUser':
      return `entra:enable-user:${spec.target.userId}`;
    case 'entra.enableServicePrincipal':
      return `entra:enable-service-principal:${spec.target.servicePrincipalId}`;
    case 'gcp.enableKey':
      return `gcp:enable-key:${spec.target.keyName.split('/').pop() ?? ''}`;
    case 'gcp.enableServiceAccount':
      return `gcp:enable-service-account:${spec.target.email}`;
  }
}

export function describeAction(spec: ActionSpec): string {
  switch (spec.kind) {
    case 'aws.deactivateAccessKey':
      return `Deactivate access key ${spec.target.accessKeyId} of IAM user ${spec.target.userName} in ${spec.target.accountId}`;
    case 'aws.deleteAccessKey':
      return `Delete access key ${spec.target.accessKeyId} of IAM user ${spec.target.userName} in ${spec.target.accountId} (permanent)`;
    case 'aws.denyUserSessions':
      return `Attach an explicit deny-all inline policy to IAM user ${spec.target.userName} in ${spec.target.accountId}: every request of the user fails, all its keys and GetFederationToken/GetSessionToken sessions included`;
    case 'aws.revokeUserSessions':
      return `Deny the sessions of IAM user ${spec.target.userName} in ${spec.target.accountId} issued before now (aws:TokenIssueTime): GetSessionToken/GetFederationToken sessions minted with the stolen key end; the user's other keys and new sessions keep working`;
    case 'aws.removeUserSessionRevocation':
      return `Remove the session revocation Revoker put on IAM user ${spec.target.userName} in ${spec.target.accountId} (unless a later revocation replaced it)`;
    case 'aws.revokeRoleSessions':
      return `Deny every session of IAM role ${spec.target.roleName} in ${spec.target.accountId} issued before now (aws:TokenIssueTime), as AWS's "Revoke active sessions" does`;
    case 'entra.revokeUserSessions':
      return `Revoke every refresh token and session of Entra user ${spec.target.userPrincipalName} (revokeSignInSessions)`;
    case 'entra.disableUser':
      return `Disable sign-in for Entra user ${spec.target.userPrincipalName} (accountEnabled false)`;
    case 'entra.removeServicePrincipalCredentials':
      return `Remove every client secret and certificate of the service principal of "${spec.target.displayName}" (app ${spec.target.appId}) (permanent)`;
    case 'entra.deleteConsentGrants':
      return `Delete every delegated consent grant and application permission of "${spec.target.displayName}" (app ${spec.target.appId}) (permanent)`;
    case 'entra.disableServicePrincipal':
      return `Disable the service principal of "${spec.target.displayName}" (app ${spec.target.appId}) so it gets no new tokens`;
    case 'gcp.disableKey':
      return `Disable key ${spec.target.keyName.split('/').pop() ?? ''} of service account ${spec.target.email}`;
    case 'gcp.deleteKey':
      return `Delete key ${spec.target.keyName.split('/').pop() ?? ''} of service account ${spec.target.email} (permanent)`;
    case 'gcp.disableServiceAccount':
      return `Disable service account ${spec.target.email}, refusing all its tokens`;
    case 'aws.reactivateAccessKey':
      return `Reactivate access key ${spec.target.accessKeyId} of IAM user ${spec.target.userName} in ${spec.target.accountId}`;
    case 'aws.removeUserDeny':
      return `Remove Revoker's deny-all inline policy from IAM user ${spec.target.userName} in ${spec.target.accountId}`;
    case 'aws.removeRoleRevocation':
      return `Remove the session revocation Revoker put on IAM role ${spec.target.roleName} in ${spec.target.accountId} (unless a later revocation replaced it)`;
    case 'entra.enableUser':
      return `Enable sign-in for Entra user ${spec.target.userPrincipalName} again (accountEnabled true)`;
    case 'entra.enableServicePrincipal':
      return `Enable the service principal of "${spec.target.displayName}" (app ${spec.target.appId}) again`;
    case 'gcp.enableKey':
      return `Enable key ${spec.target.keyName.split('/').pop() ?? ''} of service account ${spec.target.email} again`;
    case 'gcp.enableServiceAccount':
      return `Enable service account ${spec.target.email} again`;
  }
}
