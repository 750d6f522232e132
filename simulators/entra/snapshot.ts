import { graphRolesOf, graphServicePrincipal, type SimState } from './state.js';

/**
 * Admin/test view of the sandbox. Never includes client secrets, refresh tokens or private keys (the password
 * credentials' three-character `hint` is what Graph itself shows).
 */
export function publicState(state: SimState, now: Date) {
  const at = now.getTime();
  const graph = graphServicePrincipal(state);
  return {
    tenant: { ...state.tenant, domains: [...state.tenant.domains] },
    users: [...state.users.values()].map((user) => ({
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      accountEnabled: user.accountEnabled,
      signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
      refreshTokens: [...state.refreshTokens.values()]
        .filter((rt) => rt.userId === user.id)
        .map((rt) => ({
          clientAppId: rt.clientAppId,
          issuedDateTime: rt.issuedDateTime,
          revoked: Date.parse(rt.issuedDateTime) < Date.parse(user.signInSessionsValidFromDateTime),
        })),
    })),
    servicePrincipals: [...state.servicePrincipals.values()].map((sp) => ({
      id: sp.id,
      appId: sp.appId,
      displayName: sp.displayName,
      accountEnabled: sp.accountEnabled,
      appOwnerOrganizationId: sp.appOwnerOrganizationId,
      isFallbackPublicClient: sp.isFallbackPublicClient,
      graphRoles: graphRolesOf(state, sp.id),
      passwordCredentials: sp.passwordCredentials.map((p) => ({
        keyId: p.keyId,
        displayName: p.displayName,
        hint: p.hint,
        startDateTime: p.startDateTime,
        endDateTime: p.endDateTime,
        expired: at > Date.parse(p.endDateTime),
      })),
      keyCredentials: sp.keyCredentials.map((k) => ({
        keyId: k.keyId,
        displayName: k.displayName,
        customKeyIdentifier: k.customKeyIdentifier,
        startDateTime: k.startDateTime,
        endDateTime: k.endDateTime,
      })),
      homeTenantCredentialCount: sp.homeTenantSecrets.length,
    })),
    appRoleAssignments: [...state.appRoleAssignments.values()].map((a) => ({
      ...a,
      appRole: a.resourceId === graph?.id ? graph.appRoles.find((r) => r.id === a.appRoleId)?.value : undefined,
    })),
    oauth2PermissionGrants: [...state.grants.values()].map((g) => ({ ...g })),
    applications: [...state.applications.values()].map((app) => ({
      id: app.id,
      appId: app.appId,
      displayName: app.displayName,
      signInAudience: app.signInAudience,
      owners: [...app.owners],
      passwordCredentials: app.passwordCredentials.map((p) => ({
        keyId: p.keyId,
        displayName: p.displayName,
        hint: p.hint,
        startDateTime: p.startDateTime,
        endDateTime: p.endDateTime,
      })),
      certificateKeyIds: app.keyCredentials.map((k) => k.keyId),
      federatedIdentityCredentials: app.federatedIdentityCredentials.map((f) => ({
        ...f,
        audiences: [...f.audiences],
      })),
    })),
    /** How many records each log holds (read them through Graph: auditLogs/directoryAudits and signIns). */
    logs: { directoryAudits: state.directoryAudits.length, signIns: state.signIns.length },
  };
}

export type PublicState = ReturnType<typeof publicState>;
