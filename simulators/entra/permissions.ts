import type { AccessTokenClaims } from './access-tokens.js';
import { insufficientPrivileges } from './graph-errors.js';

/** Alternatives, each a set of permissions that must all be held. */
type Requirement = readonly (readonly string[])[];

export interface PermissionRule {
  /** Application permissions (`roles`), per the endpoint's Graph reference page. */
  readonly application: Requirement;
  /** Delegated permissions (`scp`); undefined = no delegated access (no directory roles are modelled). */
  readonly delegated?: Requirement;
  /** Delegated permissions that suffice when the target is the signed-in user. */
  readonly delegatedSelf?: Requirement;
}

const any = (...permissions: string[]): Requirement => permissions.map((p) => [p]);

/**
 * Least-privileged and higher permissions from learn.microsoft.com/graph/api/* "Permissions" tables (v1.0).
 * Delegated writes are refused: real Graph also needs an admin role for the signed-in user, which this sandbox does
 * not model.
 */
export const PERMISSIONS = {
  readUser: {
    application: any(
      'User.Read.All',
      'User.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'User.ReadBasic.All',
    ),
    delegated: any(
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ),
    delegatedSelf: any('User.Read', 'User.ReadWrite'),
  },
  revokeSignInSessions: {
    application: any('User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'),
  },
  updateUserAccountEnabled: {
    application: [
      ['User.ReadWrite.All'],
      ['Directory.ReadWrite.All'],
      ['User.EnableDisableAccount.All', 'User.Read.All'],
    ],
  },
  updateUser: { application: any('User.ReadWrite.All', 'Directory.ReadWrite.All') },
  readServicePrincipal: {
    application: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ),
    delegated: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ),
  },
  /** removePassword, removeKey, PATCH (Application.ReadWrite.OwnedBy needs owners, which are not modelled). */
  writeServicePrincipal: { application: any('Application.ReadWrite.All', 'Directory.ReadWrite.All') },
  readGrants: {
    application: any(
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ),
    delegated: any(
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ),
  },
  deleteGrant: { application: any('DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All') },
  readAppRoleAssignments: {
    application: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ),
    delegated: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ),
  },
  /** The reference page lists AppRoleAssignment.ReadWrite.All only. */
  deleteAppRoleAssignment: { application: any('AppRoleAssignment.ReadWrite.All') },
} satisfies Record<string, PermissionRule>;

const satisfied = (held: readonly string[], requirement: Requirement | undefined): boolean => {
  if (!requirement) return false;
  const set = new Set(held.map((p) => p.toLowerCase()));
  return requirement.some((all) => all.every((p) => set.has(p.toLowerCase())));
};

/** Throws 403 Authorization_RequestDenied unless the token carries one of the rule's alternatives. */
export function authorize(caller: AccessTokenClaims, rule: PermissionRule, targetUserId?: string): void {
  const allowed =
    caller.idtyp === 'app'
      ? satisfied(caller.roles, rule.application)
      : satisfied(caller.scp, rule.delegated) ||
        (targetUserId !== undefined && targetUserId === caller.oid && satisfied(caller.scp, rule.delegatedSelf));
  if (!allowed) throw insufficientPrivileges();
}
