import type { DirectoryAuditRecord, SignInRecord } from './audit-records.js';
import { parseCertificate } from './certificates.js';
import { parseEntraSeed, type EntraSeed, type ValidatedEntraSeed } from './seed.js';

/** Microsoft Graph's well-known appId; its service principal is the resource every sandbox token is for. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Fallback timestamps for seeds that omit them, so a re-seed always yields the same state. */
const SEED_EPOCH = '2026-01-01T00:00:00.000Z';
const TWO_YEARS_MS = 2 * 365 * 86_400_000;

export interface TenantRecord {
  id: string;
  name: string;
  displayName: string;
  domains: string[];
}

export interface UserRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  mail: string | null;
  accountEnabled: boolean;
  createdDateTime: string;
  signInSessionsValidFromDateTime: string;
  /** The user's signInActivity (kept as long as the user exists); absent until its first sign-in. */
  signInActivity?: SignInActivityRecord;
}

/** Graph's signInActivity: the last interactive, non-interactive and successful sign-in, each with its request id. */
export interface SignInActivityRecord {
  lastSignInDateTime?: string;
  lastSignInRequestId?: string;
  lastNonInteractiveSignInDateTime?: string;
  lastNonInteractiveSignInRequestId?: string;
  lastSuccessfulSignInDateTime?: string;
  lastSuccessfulSignInRequestId?: string;
}

export interface PasswordCredentialRecord {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretText: string;
  startDateTime: string;
  endDateTime: string;
}

export interface KeyCredentialRecord {
  keyId: string;
  displayName: string | null;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  /** Hex SHA-1 thumbprint, as Graph shows it. */
  customKeyIdentifier: string;
  /** base64 DER of the certificate (public only). */
  certificate: string;
  startDateTime: string;
  endDateTime: string;
}

export interface AppRoleRecord {
  id: string;
  value: string;
  displayName: string;
}

export interface ServicePrincipalRecord {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appOwnerOrganizationId: string;
  /** AzureADMyOrg (single-tenant) or AzureADMultipleOrgs: whether other tenants may hold a service principal of it. */
  signInAudience: SignInAudience;
  isFallbackPublicClient: boolean;
  tags: string[];
  appRoles: AppRoleRecord[];
  passwordCredentials: PasswordCredentialRecord[];
  keyCredentials: KeyCredentialRecord[];
  homeTenantSecrets: string[];
}

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

/** An app owned by another tenant is multi-tenant by definition; a home-tenant app is single-tenant unless it says. */
export const defaultSignInAudience = (appOwnerOrganizationId: string, tenantId: string): SignInAudience =>
  appOwnerOrganizationId.toLowerCase() === tenantId.toLowerCase() ? 'AzureADMyOrg' : 'AzureADMultipleOrgs';

export interface AppRoleAssignmentRecord {
  id: string;
  appRoleId: string;
  principalId: string;
  resourceId: string;
  createdDateTime: string;
}

export interface GrantRecord {
  id: string;
  clientId: string;
  consentType: 'Principal' | 'AllPrincipals';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

/** A federated identity credential: tokens from `issuer` for `subject` (audience `audiences`) redeem as the app. */
export interface FederatedCredentialRecord {
  id: string;
  /** Unique per application, 3-120 characters; addressable in the URL instead of the id. */
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}

/**
 * An application object (app registration) homed in this tenant: its secrets, certificates and federated credentials
 * authenticate the app's service principal in this tenant and, for a multi-tenant app, in every tenant served that
 * has one.
 */
export interface ApplicationRecord {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: SignInAudience;
  createdDateTime: string;
  passwordCredentials: PasswordCredentialRecord[];
  keyCredentials: KeyCredentialRecord[];
  federatedIdentityCredentials: FederatedCredentialRecord[];
  /** Object ids of the service principals that own it: Application.ReadWrite.OwnedBy reaches only these. */
  owners: string[];
}

export interface RefreshTokenRecord {
  token: string;
  userId: string;
  clientAppId: string;
  issuedDateTime: string;
}

export interface SimState {
  tenant: TenantRecord;
  /** Keyed by lower-case object id. */
  users: Map<string, UserRecord>;
  servicePrincipals: Map<string, ServicePrincipalRecord>;
  appRoleAssignments: Map<string, AppRoleAssignmentRecord>;
  grants: Map<string, GrantRecord>;
  /** Keyed by the token itself. */
  refreshTokens: Map<string, RefreshTokenRecord>;
  /** Application objects homed here, keyed by lower-case object id. */
  applications: Map<string, ApplicationRecord>;
  /** What Entra's audit log recorded, oldest first (auditLogs/directoryAudits serves it newest first). */
  directoryAudits: DirectoryAuditRecord[];
  /** Sign-ins (token issuance and refusals), oldest first. */
  signIns: SignInRecord[];
}

const key = (id: string): string => id.toLowerCase();
const iso = (value: string): string => new Date(value).toISOString();

type PasswordSeed = NonNullable<ValidatedEntraSeed['servicePrincipals'][number]['passwordCredentials']>[number];
type KeySeed = NonNullable<ValidatedEntraSeed['servicePrincipals'][number]['keyCredentials']>[number];

function passwordCredentialOf(p: PasswordSeed): PasswordCredentialRecord {
  const start = iso(p.startDateTime ?? SEED_EPOCH);
  return {
    keyId: key(p.keyId),
    displayName: p.displayName ?? null,
    hint: p.secretText.slice(0, 3),
    secretText: p.secretText,
    startDateTime: start,
    endDateTime: iso(p.endDateTime ?? new Date(Date.parse(start) + TWO_YEARS_MS).toISOString()),
  };
}

function keyCredentialOf(k: KeySeed): KeyCredentialRecord {
  const cert = parseCertificate(k.certificate);
  return {
    keyId: key(k.keyId),
    displayName: k.displayName ?? null,
    type: 'AsymmetricX509Cert' as const,
    usage: 'Verify' as const,
    customKeyIdentifier: cert.thumbprint,
    certificate: cert.der,
    startDateTime: iso(k.startDateTime ?? cert.notBefore),
    endDateTime: iso(k.endDateTime ?? cert.notAfter),
  };
}

export function stateFromSeed(input: EntraSeed): SimState {
  const seed = parseEntraSeed(input);
  const users = new Map<string, UserRecord>();
  const refreshTokens = new Map<string, RefreshTokenRecord>();
  for (const u of seed.users) {
    const created = iso(u.createdDateTime ?? SEED_EPOCH);
    users.set(key(u.id), {
      id: key(u.id),
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      givenName: u.givenName ?? null,
      surname: u.surname ?? null,
      jobTitle: u.jobTitle ?? null,
      mail: u.mail ?? null,
      accountEnabled: u.accountEnabled ?? true,
      createdDateTime: created,
      signInSessionsValidFromDateTime: iso(u.signInSessionsValidFromDateTime ?? created),
      ...(u.signInActivity ? { signInActivity: { ...u.signInActivity } } : {}),
    });
    for (const rt of u.refreshTokens ?? []) {
      refreshTokens.set(rt.token, {
        token: rt.token,
        userId: key(u.id),
        clientAppId: key(rt.clientAppId),
        issuedDateTime: iso(rt.issuedDateTime),
      });
    }
  }

  const servicePrincipals = new Map<string, ServicePrincipalRecord>();
  for (const sp of seed.servicePrincipals) {
    servicePrincipals.set(key(sp.id), {
      id: key(sp.id),
      appId: key(sp.appId),
      displayName: sp.displayName,
      accountEnabled: sp.accountEnabled ?? true,
      appOwnerOrganizationId: key(sp.appOwnerOrganizationId),
      signInAudience: sp.signInAudience ?? defaultSignInAudience(sp.appOwnerOrganizationId, seed.tenant.id),
      isFallbackPublicClient: sp.isFallbackPublicClient ?? false,
      tags: sp.tags ?? [],
      appRoles: (sp.appRoles ?? []).map((r) => ({
        id: key(r.id),
        value: r.value,
        displayName: r.displayName ?? r.value,
      })),
      passwordCredentials: (sp.passwordCredentials ?? []).map(passwordCredentialOf),
      keyCredentials: (sp.keyCredentials ?? []).map(keyCredentialOf),
      homeTenantSecrets: sp.homeTenantSecrets ?? [],
    });
  }

  const appRoleAssignments = new Map<string, AppRoleAssignmentRecord>();
  for (const a of seed.appRoleAssignments ?? []) {
    const resource = servicePrincipals.get(key(a.resourceId));
    const roleId = a.appRoleId ?? resource?.appRoles.find((r) => r.value === a.appRole)?.id ?? '';
    appRoleAssignments.set(a.id, {
      id: a.id,
      appRoleId: key(roleId),
      principalId: key(a.principalId),
      resourceId: key(a.resourceId),
      createdDateTime: iso(a.createdDateTime ?? SEED_EPOCH),
    });
  }

  const grants = new Map<string, GrantRecord>();
  for (const g of seed.oauth2PermissionGrants ?? []) {
    grants.set(g.id, {
      id: g.id,
      clientId: key(g.clientId),
      consentType: g.consentType,
      principalId: g.principalId ? key(g.principalId) : null,
      resourceId: key(g.resourceId),
      scope: g.scope,
    });
  }

  const applications = new Map<string, ApplicationRecord>();
  for (const app of seed.applications ?? []) {
    applications.set(key(app.id), {
      id: key(app.id),
      appId: key(app.appId),
      displayName: app.displayName,
      signInAudience: app.signInAudience ?? 'AzureADMyOrg',
      createdDateTime: iso(app.createdDateTime ?? SEED_EPOCH),
      passwordCredentials: (app.passwordCredentials ?? []).map(passwordCredentialOf),
      keyCredentials: (app.keyCredentials ?? []).map(keyCredentialOf),
      federatedIdentityCredentials: (app.federatedIdentityCredentials ?? []).map((f) => ({
        id: key(f.id),
        name: f.name,
        issuer: f.issuer,
        subject: f.subject,
        audiences: f.audiences ?? ['api://AzureADTokenExchange'],
        description: f.description ?? null,
      })),
      owners: (app.owners ?? []).map(key),
    });
  }

  return {
    tenant: { ...seed.tenant, id: key(seed.tenant.id) },
    users,
    servicePrincipals,
    appRoleAssignments,
    grants,
    refreshTokens,
    applications,
    directoryAudits: [],
    signIns: [],
  };
}

export function findApplication(state: SimState, idOrAppId: string): ApplicationRecord | undefined {
  const wanted = idOrAppId.toLowerCase();
  return state.applications.get(wanted) ?? findApplicationByAppId(state, wanted);
}

export function findApplicationByAppId(state: SimState, appId: string): ApplicationRecord | undefined {
  const wanted = appId.toLowerCase();
  return [...state.applications.values()].find((app) => app.appId === wanted);
}

export function findUser(state: SimState, idOrUpn: string): UserRecord | undefined {
  const wanted = idOrUpn.toLowerCase();
  return state.users.get(wanted) ?? [...state.users.values()].find((u) => u.userPrincipalName.toLowerCase() === wanted);
}

export function findServicePrincipal(state: SimState, idOrAppId: string): ServicePrincipalRecord | undefined {
  const wanted = idOrAppId.toLowerCase();
  return state.servicePrincipals.get(wanted) ?? findServicePrincipalByAppId(state, wanted);
}

export function findServicePrincipalByAppId(state: SimState, appId: string): ServicePrincipalRecord | undefined {
  const wanted = appId.toLowerCase();
  return [...state.servicePrincipals.values()].find((sp) => sp.appId === wanted);
}

export const graphServicePrincipal = (state: SimState): ServicePrincipalRecord | undefined =>
  findServicePrincipalByAppId(state, GRAPH_APP_ID);

/** Application permissions the SP holds on Microsoft Graph: the `roles` claim of its app-only tokens. */
export function graphRolesOf(state: SimState, servicePrincipalId: string): string[] {
  const graph = graphServicePrincipal(state);
  if (!graph) return [];
  const roles = [...state.appRoleAssignments.values()]
    .filter((a) => a.principalId === servicePrincipalId && a.resourceId === graph.id)
    .map((a) => graph.appRoles.find((r) => r.id === a.appRoleId)?.value)
    .filter((value): value is string => value !== undefined);
  return [...new Set(roles)].sort();
}

/** Delegated permissions consented for (client, user) on Microsoft Graph, from Principal and AllPrincipals grants. */
export function consentedGraphScopes(state: SimState, clientSpId: string, userId: string): string[] {
  const graph = graphServicePrincipal(state);
  if (!graph) return [];
  const scopes = [...state.grants.values()]
    .filter(
      (g) =>
        g.clientId === clientSpId &&
        g.resourceId === graph.id &&
        (g.consentType === 'AllPrincipals' || g.principalId === userId),
    )
    .flatMap((g) => g.scope.split(/\s+/))
    .filter((s) => s !== '');
  return [...new Set(scopes)];
}

/** Whether a login path segment names this tenant: its id or one of its verified domains. */
export function namesTenant(tenant: TenantRecord, segment: string): boolean {
  const wanted = segment.toLowerCase();
  return wanted === tenant.id || tenant.domains.some((d) => d.toLowerCase() === wanted);
}
