import type { AccessTokenClaims } from './access-tokens.js';
import { GraphError, insufficientPrivileges } from './graph-errors.js';

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
  /** POST /servicePrincipals/{id}/appRoleAssignments. */
  grantAppRole: { application: any('AppRoleAssignment.ReadWrite.All') },
  /** POST /oauth2PermissionGrants. */
  createGrant: { application: any('DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All') },
  /**
   * GET /applications/{id}, …/federatedIdentityCredentials. Application.ReadWrite.OwnedBy reads only the apps the
   * caller owns (checked by the handler).
   */
  readApplication: {
    application: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Application.ReadWrite.OwnedBy',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ),
    delegated: any(
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.AccessAsUser.All',
    ),
  },
  /** addPassword, removePassword, federatedIdentityCredentials writes: OwnedBy only on owned apps (the handler checks). */
  writeApplication: { application: any('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy') },
  /** POST /servicePrincipals/{id}/addPassword (OwnedBy needs service principal owners, which are not modelled). */
  addServicePrincipalPassword: { application: any('Application.ReadWrite.All') },
  /**
   * auditLogs/directoryAudits and signIns. The reference lists "AuditLog.Read.All and Directory.Read.All" (the second
   * for a licence check, per the docs' known issue); Graph names only AuditLog.Read.All when it refuses, and the
   * sandbox requires only that.
   */
  readAuditLogs: { application: any('AuditLog.Read.All') },
} satisfies Record<string, PermissionRule>;

const satisfied = (held: readonly string[], requirement: Requirement | undefined): boolean => {
  if (!requirement) return false;
  const set = new Set(held.map((p) => p.toLowerCase()));
  return requirement.some((all) => all.every((p) => set.has(p.toLowerCase())));
};

/** Whether the token carries one of the rule's alternatives. */
export function allows(caller: AccessTokenClaims, rule: PermissionRule, targetUserId?: string): boolean {
  return caller.idtyp === 'app'
    ? satisfied(caller.roles, rule.application)
    : satisfied(caller.scp, rule.delegated) ||
        (targetUserId !== undefined && targetUserId === caller.oid && satisfied(caller.scp, rule.delegatedSelf));
}

/** Throws 403 Authorization_RequestDenied unless the token carries one of the rule's alternatives. */
export function authorize(caller: AccessTokenClaims, rule: PermissionRule, targetUserId?: string): void {
  if (!allows(caller, rule, targetUserId)) throw insufficientPrivileges();
}

/**
 * The audit logs refuse with their own codes: an app without AuditLog.Read.All gets
 * Authentication_MSGraphPermissionMissing; a user needs a directory role (Reports Reader, Security Reader, …), which
 * the sandbox does not model, so delegated callers are refused as a user without one is.
 */
export function authorizeAuditLogs(caller: AccessTokenClaims): void {
  if (caller.idtyp !== 'app') {
    throw new GraphError(403, 'Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
  }
  if (!allows(caller, PERMISSIONS.readAuditLogs)) {
    throw new GraphError(
      403,
      'Authentication_MSGraphPermissionMissing',
      'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
    );
  }
}
