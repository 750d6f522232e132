import { grantsOfUser, type UserRecord, type WorkspaceState } from './state.js';

/** A user as tests and /_sim/state see them: no access tokens. */
export function publicUser(state: WorkspaceState, user: UserRecord) {
  return {
    id: user.id,
    primaryEmail: user.primaryEmail,
    aliases: [...user.aliases],
    name: { givenName: user.givenName, familyName: user.familyName },
    isAdmin: user.isAdmin,
    suspended: user.suspended,
    ...(user.suspensionReason === undefined ? {} : { suspensionReason: user.suspensionReason }),
    orgUnitPath: user.orgUnitPath,
    sessions: user.sessions,
    /** Client ids of the apps the user has granted. */
    tokens: grantsOfUser(state, user.id).map((grant) => grant.clientId),
  };
}

export type PublicWorkspaceUser = ReturnType<typeof publicUser>;

/**
 * `GET /_sim/state`: the directory, apps, grants and delegation, without a secret: no private key (the state holds
 * none), no app access token, no issued token (only who holds how many, and until when).
 */
export function publicState(state: WorkspaceState) {
  const now = Date.now();
  return {
    domain: state.domain,
    customerId: state.customerId,
    serviceAccounts: [...state.serviceAccounts.values()].map((account) => ({
      email: account.email,
      clientId: account.clientId,
      projectNumber: account.projectNumber,
      keyIds: account.keys.map((key) => key.keyId),
    })),
    delegation: Object.fromEntries(state.delegation),
    apps: [...state.apps.values()].map((app) => ({ ...app, scopes: [...app.scopes] })),
    users: [...state.users.values()].map((user) => publicUser(state, user)),
    grants: state.grants.map((grant) => ({
      userId: grant.userId,
      clientId: grant.clientId,
      scopes: [...grant.scopes],
    })),
    revoked: state.revoked.map((grant) => ({
      userId: grant.userId,
      clientId: grant.clientId,
      revokedAt: grant.revokedAt,
    })),
    issuedTokens: [...state.issued.values()].map((token) => ({
      serviceAccount: token.serviceAccount,
      ...(token.subject === undefined ? {} : { subject: token.subject }),
      scopes: [...token.scopes],
      expiresAt: token.expiresAt,
      live: Date.parse(token.expiresAt) > now,
    })),
  };
}

export type PublicWorkspaceState = ReturnType<typeof publicState>;
