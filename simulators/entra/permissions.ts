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
 * A read the Graph reference grants to the resource's own read/write permissions and to the directory-wide ones;
 * delegated callers may also use Directory.AccessAsUser.All.
 */
const directoryRead = (...own: string[]): PermissionRule => ({
  application: any(...own, 'Directory.Read.All', 'Directory.ReadWrite.All'),
  delegated: any(...own, 'Directory.Read.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'),
});

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
  readServicePrincipal: directoryRead('Application.Read.All', 'Application.ReadWrite.All'),
  /** removePassword, removeKey, PATCH (Application.ReadWrite.OwnedBy needs owners, which are not modelled). */
  writeServicePrincipal: { application: any('Application.ReadWrite.All', 'Directory.ReadWrite.All') },
  readGrants: directoryRead('DelegatedPermissionGrant.Read.All', 'DelegatedPermissionGrant.ReadWrite.All'),
  deleteGrant: { application: any('DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All') },
  readAppRoleAssignments: directoryRead('Application.Read.All', 'Application.ReadWrite.All'),
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
