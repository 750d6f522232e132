import { z } from 'zod';
import type { Provider } from './principal.js';

export const ActionKind = z.enum([
  'aws.deactivateAccessKey',
  'aws.denyUserSessions',
  'aws.revokeRoleSessions',
  'aws.deleteAccessKey',
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
}

// Residual windows: IAM user guide, "Revoking IAM role temporary security credentials" and
// "Comparing the AWS STS API operations" (federation/session tokens outlive key deactivation).
export const ACTION_KINDS: Record<ActionKind, ActionKindInfo> = {
  'aws.deactivateAccessKey': {
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      'Temporary credentials already minted from this key (GetSessionToken, GetFederationToken, AssumeRole) stay valid until they expire unless a session deny covers them.',
  },
  'aws.denyUserSessions': {
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      "Sessions of roles assumed from this user are the role's, not the user's: contain those roles too. Credentials of the root user cannot be contained this way.",
  },
  'aws.revokeRoleSessions': {
    provider: 'aws',
    reversible: true,
    destructive: false,
    residualRisk:
      'Only sessions issued before the revocation time are denied: whoever can still assume the role can mint new sessions.',
  },
  'aws.deleteAccessKey': {
    provider: 'aws',
    reversible: false,
    destructive: true,
    residualRisk: 'None for this key; deletion is permanent, and workloads that used it need a new key.',
  },
};

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

export type ActionSpec =
  | { kind: 'aws.deactivateAccessKey'; target: AwsKeyTarget }
  | { kind: 'aws.deleteAccessKey'; target: AwsKeyTarget }
  | { kind: 'aws.denyUserSessions'; target: AwsUserTarget }
  | { kind: 'aws.revokeRoleSessions'; target: AwsRoleTarget };

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
  }
}

export function describeAction(spec: ActionSpec): string {
  const t = spec.target;
  switch (spec.kind) {
    case 'aws.deactivateAccessKey':
      return `Deactivate access key ${spec.target.accessKeyId} of IAM user ${spec.target.userName} in ${t.accountId}`;
    case 'aws.deleteAccessKey':
      return `Delete access key ${spec.target.accessKeyId} of IAM user ${spec.target.userName} in ${t.accountId} (permanent)`;
    case 'aws.denyUserSessions':
      return `Attach an explicit deny-all inline policy to IAM user ${spec.target.userName} in ${t.accountId}, ending its keys and GetFederationToken/GetSessionToken sessions`;
    case 'aws.revokeRoleSessions':
      return `Deny every session of IAM role ${spec.target.roleName} in ${t.accountId} issued before now (aws:TokenIssueTime), as AWS's "Revoke active sessions" does`;
  }
}
