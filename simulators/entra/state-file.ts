import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import type { DirectoryAuditRecord, SignInRecord } from './audit-records.js';
import { signingKeyFromJwk, signingKeyToJwk, type SigningKey } from './signing-key.js';
import { defaultSignInAudience, type SimState } from './state.js';

const FORMAT = 'revoker-entra-simulator-state/v1';

const passwordCredential = z.object({
  keyId: z.string(),
  displayName: z.string().nullable(),
  hint: z.string(),
  secretText: z.string(),
  startDateTime: z.string(),
  endDateTime: z.string(),
});
const keyCredential = z.object({
  keyId: z.string(),
  displayName: z.string().nullable(),
  type: z.literal('AsymmetricX509Cert'),
  usage: z.literal('Verify'),
  customKeyIdentifier: z.string(),
  certificate: z.string(),
  startDateTime: z.string(),
  endDateTime: z.string(),
});
const application = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string(),
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']),
  createdDateTime: z.string(),
  passwordCredentials: z.array(passwordCredential),
  keyCredentials: z.array(keyCredential),
  federatedIdentityCredentials: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      issuer: z.string(),
      subject: z.string(),
      audiences: z.array(z.string()),
      description: z.string().nullable(),
    }),
  ),
  owners: z.array(z.string()),
});
// The logs are the simulator's own output, written back as it served them: checked for their keys only.
const auditRecord = z.looseObject({ id: z.string(), activityDateTime: z.string(), activityDisplayName: z.string() });
const signInRecord = z.looseObject({ id: z.string(), createdDateTime: z.string(), appId: z.string() });

/**
 * On-disk form of the whole sandbox. Unlike /_sim/state it holds secrets, refresh tokens and the token-signing
 * key: a restarted dev stack must keep accepting what it issued before. Written with mode 0600.
 */
const tenantState = z.object({
  tenant: z.object({ id: z.string(), name: z.string(), displayName: z.string(), domains: z.array(z.string()) }),
  users: z.array(
    z.object({
      id: z.string(),
      userPrincipalName: z.string(),
      displayName: z.string(),
      givenName: z.string().nullable(),
      surname: z.string().nullable(),
      jobTitle: z.string().nullable(),
      mail: z.string().nullable(),
      accountEnabled: z.boolean(),
      createdDateTime: z.string(),
      signInSessionsValidFromDateTime: z.string(),
      signInActivity: z
        .object({
          lastSignInDateTime: z.string().optional(),
          lastSignInRequestId: z.string().optional(),
          lastNonInteractiveSignInDateTime: z.string().optional(),
          lastNonInteractiveSignInRequestId: z.string().optional(),
          lastSuccessfulSignInDateTime: z.string().optional(),
          lastSuccessfulSignInRequestId: z.string().optional(),
        })
        .optional(),
    }),
  ),
  servicePrincipals: z.array(
    z.object({
      id: z.string(),
      appId: z.string(),
      displayName: z.string(),
      accountEnabled: z.boolean(),
      appOwnerOrganizationId: z.string(),
      /** Absent in files written before multi-tenant support: derived from the owner, as seeding does. */
      signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).optional(),
      isFallbackPublicClient: z.boolean(),
      tags: z.array(z.string()),
      appRoles: z.array(z.object({ id: z.string(), value: z.string(), displayName: z.string() })),
      passwordCredentials: z.array(passwordCredential),
      keyCredentials: z.array(keyCredential),
      homeTenantSecrets: z.array(z.string()),
    }),
  ),
  appRoleAssignments: z.array(
    z.object({
      id: z.string(),
      appRoleId: z.string(),
      principalId: z.string(),
      resourceId: z.string(),
      createdDateTime: z.string(),
    }),
  ),
  grants: z.array(
    z.object({
      id: z.string(),
      clientId: z.string(),
      consentType: z.enum(['Principal', 'AllPrincipals']),
      principalId: z.string().nullable(),
      resourceId: z.string(),
      scope: z.string(),
    }),
  ),
  refreshTokens: z.array(
    z.object({ token: z.string(), userId: z.string(), clientAppId: z.string(), issuedDateTime: z.string() }),
  ),
  /** Absent in files written before applications and the audit logs were modelled. */
  applications: z.array(application).optional(),
  directoryAudits: z.array(auditRecord).optional(),
  signIns: z.array(signInRecord).optional(),
});

const persistedState = z.object({
  format: z.literal(FORMAT),
  signingKey: z.record(z.string(), z.unknown()),
  /** The primary tenant. */
  state: tenantState,
  /** The other tenants (`tenants` option), in order; absent when there are none. */
  tenants: z.array(tenantState).optional(),
});

const serializeTenant = (state: SimState): z.input<typeof tenantState> => ({
  tenant: state.tenant,
  users: [...state.users.values()],
  servicePrincipals: [...state.servicePrincipals.values()],
  appRoleAssignments: [...state.appRoleAssignments.values()],
  grants: [...state.grants.values()],
  refreshTokens: [...state.refreshTokens.values()],
  applications: [...state.applications.values()],
  directoryAudits: state.directoryAudits.map((r) => ({ ...r })),
  signIns: state.signIns.map((r) => ({ ...r })),
});

function deserializeTenant(s: z.output<typeof tenantState>): SimState {
  return {
    tenant: s.tenant,
    users: new Map(s.users.map((u) => [u.id, u])),
    servicePrincipals: new Map(
      s.servicePrincipals.map((sp) => [
        sp.id,
        { ...sp, signInAudience: sp.signInAudience ?? defaultSignInAudience(sp.appOwnerOrganizationId, s.tenant.id) },
      ]),
    ),
    appRoleAssignments: new Map(s.appRoleAssignments.map((a) => [a.id, a])),
    grants: new Map(s.grants.map((g) => [g.id, g])),
    refreshTokens: new Map(s.refreshTokens.map((t) => [t.token, t])),
    applications: new Map((s.applications ?? []).map((a) => [a.id, a])),
    directoryAudits: (s.directoryAudits ?? []) as unknown as DirectoryAuditRecord[],
    signIns: (s.signIns ?? []) as unknown as SignInRecord[],
  };
}

/** Returns undefined when the file does not exist yet (first start seeds instead). */
export function loadStateFile(
  path: string,
): { state: SimState; tenants: SimState[]; signingKey: SigningKey } | undefined {
  const parsed = readStateFile(path, { format: FORMAT, simulator: 'Entra', schema: persistedState });
  if (parsed === undefined) return undefined;
  return {
    signingKey: signingKeyFromJwk(parsed.signingKey),
    state: deserializeTenant(parsed.state),
    tenants: (parsed.tenants ?? []).map(deserializeTenant),
  };
}

/** `tenants`: the tenants after the primary one. */
export function saveStateFile(path: string, state: SimState, key: SigningKey, tenants: readonly SimState[] = []): void {
  writeStateFile(path, {
    format: FORMAT,
    signingKey: signingKeyToJwk(key),
    state: serializeTenant(state),
    ...(tenants.length === 0 ? {} : { tenants: tenants.map(serializeTenant) }),
  } satisfies z.input<typeof persistedState>);
}
