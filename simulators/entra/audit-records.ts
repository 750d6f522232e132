// What Entra's audit log and sign-in log keep, as Microsoft Graph serves them (directoryAudit and signIn resources).
// Graph handlers describe each change they make (an AuditEvent); the engine stamps it with who made it, when and
// under which correlation id. The token endpoint describes each token it issues or refuses (a SignInTrace).
import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessTokenClaims } from './access-tokens.js';
import { GRAPH_APP_ID, type SimState } from './state.js';

/**
 * Activity names as Entra's audit log writes them ("Microsoft Entra audit log activity reference"). The
 * certificates-and-secrets one has an en dash; some exports show a hyphen, so readers should accept both.
 */
export const AUDIT_ACTIVITIES = {
  addServicePrincipalCredentials: 'Add service principal credentials',
  removeServicePrincipalCredentials: 'Remove service principal credentials',
  updateServicePrincipal: 'Update service principal',
  applicationCredentials: 'Update application – Certificates and secrets management',
  /** Federated identity credentials added, changed or removed (modified property FederatedIdentityCredentials). */
  updateApplication: 'Update application',
  updateUser: 'Update user',
  disableAccount: 'Disable account',
  enableAccount: 'Enable account',
  /** revokeSignInSessions. */
  revokeSessions: 'Update StsRefreshTokenValidFrom Timestamp',
  addAppRoleAssignment: 'Add app role assignment to service principal',
  removeAppRoleAssignment: 'Remove app role assignment from service principal',
  addDelegatedPermissionGrant: 'Add delegated permission grant',
  removeDelegatedPermissionGrant: 'Remove delegated permission grant',
} as const;

export interface AuditModifiedProperty {
  displayName: string;
  /** JSON text, as Entra writes it (a quoted string, an array), or null. */
  oldValue: string | null;
  newValue: string | null;
}

export interface AuditTarget {
  id: string;
  displayName: string | null;
  type: 'User' | 'ServicePrincipal' | 'Application' | 'Policy' | 'Other';
  userPrincipalName: string | null;
  groupType: null;
  modifiedProperties: AuditModifiedProperty[];
}

export interface AuditInitiator {
  app: {
    appId: string;
    displayName: string | null;
    servicePrincipalId: string;
    servicePrincipalName: string | null;
  } | null;
  user: {
    id: string;
    displayName: string | null;
    userPrincipalName: string | null;
    ipAddress: string;
    userType: null;
    homeTenantId: null;
    homeTenantName: null;
  } | null;
}

/** A directoryAudit as Graph returns it. */
export interface DirectoryAuditRecord {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  initiatedBy: AuditInitiator;
  targetResources: AuditTarget[];
  additionalDetails: { key: string; value: string }[];
}

/** What a Graph handler says it changed; the engine adds who, when and the ids. */
export interface AuditEvent {
  activity: (typeof AUDIT_ACTIVITIES)[keyof typeof AUDIT_ACTIVITIES];
  category: 'ApplicationManagement' | 'UserManagement';
  operationType: DirectoryAuditRecord['operationType'];
  targets: AuditTarget[];
  additionalDetails?: { key: string; value: string }[];
}

export const auditTarget = (
  type: AuditTarget['type'],
  id: string,
  displayName: string | null,
  modifiedProperties: AuditModifiedProperty[] = [],
  userPrincipalName: string | null = null,
): AuditTarget => ({ id, displayName, type, userPrincipalName, groupType: null, modifiedProperties });

/** A modified property whose values Entra writes as JSON text. */
export const modified = (displayName: string, oldValue: unknown, newValue: unknown): AuditModifiedProperty => ({
  displayName,
  oldValue: oldValue === undefined ? null : JSON.stringify(oldValue),
  newValue: newValue === undefined ? null : JSON.stringify(newValue),
});

/** A password or certificate in a KeyDescription list, as Entra describes it (no secret, no thumbprint). */
export const keyDescription = (
  key: { keyId: string; displayName: string | null },
  type: 'Password' | 'AsymmetricX509Cert',
) => `[KeyIdentifier=${key.keyId},KeyType=${type},KeyUsage=Verify,DisplayName=${key.displayName ?? ''}]`;

export function keyDescriptions(owner: {
  passwordCredentials: readonly { keyId: string; displayName: string | null }[];
  keyCredentials: readonly { keyId: string; displayName: string | null }[];
}): string[] {
  return [
    ...owner.passwordCredentials.map((p) => keyDescription(p, 'Password')),
    ...owner.keyCredentials.map((k) => keyDescription(k, 'AsymmetricX509Cert')),
  ];
}

/** Federated credentials as the FederatedIdentityCredentials modified property lists them. */
export const federatedDescriptions = (
  list: readonly {
    name: string;
    issuer: string;
    subject: string;
    audiences: readonly string[];
    description: string | null;
  }[],
) =>
  list.map((f) => ({
    Name: f.name,
    Issuer: f.issuer,
    Subject: f.subject,
    Audiences: [...f.audiences],
    Description: f.description,
  }));

/** The audit log keeps this many records per tenant, dropping the oldest (Entra keeps 30 days; the sandbox, a count). */
export const MAX_AUDIT_RECORDS = 20_000;

// Core Directory ids look like Directory_<correlation id>_<random>_<number>.
const auditId = (correlationId: string) =>
  `Directory_${correlationId}_${randomBytes(4).toString('hex').toUpperCase()}_${randomBytes(4).readUInt32BE()}`;

function bounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_AUDIT_RECORDS + MAX_AUDIT_RECORDS / 10) list.splice(0, list.length - MAX_AUDIT_RECORDS);
}

/** Who made a Graph call, as the audit log names them: the app (app-only token) or the signed-in user. */
export function initiatorOf(state: SimState, caller: AccessTokenClaims, ipAddress: string): AuditInitiator {
  if (caller.idtyp === 'app') {
    const sp = state.servicePrincipals.get(caller.oid.toLowerCase());
    return {
      app: {
        appId: caller.appid,
        displayName: sp?.displayName ?? null,
        servicePrincipalId: caller.oid,
        servicePrincipalName: sp?.displayName ?? null,
      },
      user: null,
    };
  }
  const user = state.users.get(caller.oid.toLowerCase());
  return {
    app: null,
    user: {
      id: caller.oid,
      displayName: user?.displayName ?? null,
      userPrincipalName: user?.userPrincipalName ?? null,
      ipAddress,
      userType: null,
      homeTenantId: null,
      homeTenantName: null,
    },
  };
}

export function recordAudit(
  state: SimState,
  event: AuditEvent,
  context: { caller: AccessTokenClaims; at: Date; correlationId: string; ipAddress: string },
): void {
  bounded(state.directoryAudits, {
    id: auditId(context.correlationId),
    category: event.category,
    correlationId: context.correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: event.activity,
    activityDateTime: context.at.toISOString(),
    loggedByService: 'Core Directory',
    operationType: event.operationType,
    initiatedBy: initiatorOf(state, context.caller, context.ipAddress),
    targetResources: event.targets,
    additionalDetails: event.additionalDetails ?? [],
  });
}

/** signInEventTypes values Entra uses. */
export type SignInEventType = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal' | 'managedIdentity';

/** A signIn as Graph's beta endpoint returns it (v1.0 serves the subset its resource type defines). */
export interface SignInRecord {
  id: string;
  createdDateTime: string;
  userDisplayName: string | null;
  userPrincipalName: string | null;
  userId: string | null;
  appId: string;
  appDisplayName: string | null;
  ipAddress: string;
  clientAppUsed: string | null;
  correlationId: string;
  conditionalAccessStatus: 'notApplied';
  isInteractive: boolean;
  resourceDisplayName: string;
  resourceId: string;
  servicePrincipalId: string | null;
  servicePrincipalName: string | null;
  servicePrincipalCredentialKeyId: string | null;
  servicePrincipalCredentialThumbprint: string | null;
  clientCredentialType: 'none' | 'clientSecret' | 'clientAssertion' | 'certificate' | 'federatedIdentityCredential';
  /** The federated credential a token exchange used (none here: the sandbox does not exchange outside tokens). */
  federatedCredentialId: string | null;
  signInEventTypes: SignInEventType[];
  tokenIssuerType: 'AzureAD';
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
}

/** What the token endpoint learned about a request as it handled it; a sign-in is recorded once it knows the app. */
export interface SignInTrace {
  grantType?: string;
  sp?: { id: string; appId: string; displayName: string };
  user?: { id: string; userPrincipalName: string; displayName: string };
  credentialKeyId?: string;
  credentialThumbprint?: string;
  credentialType?: SignInRecord['clientCredentialType'];
}

export function recordSignIn(
  state: SimState,
  trace: SignInTrace,
  outcome: { at: Date; correlationId: string; ipAddress: string; error?: { code: number; description: string } },
): void {
  const { sp, user } = trace;
  if (!sp) return;
  const graph = [...state.servicePrincipals.values()].find((s) => s.appId === GRAPH_APP_ID);
  const app = trace.grantType === 'client_credentials';
  const id = randomUUID();
  // The user's signInActivity moves with each attempt (successful or not); the sandbox's user sign-ins are all
  // non-interactive (refresh tokens).
  const record = !app && user ? state.users.get(user.id) : undefined;
  if (record) {
    const at = outcome.at.toISOString();
    record.signInActivity = {
      ...record.signInActivity,
      lastNonInteractiveSignInDateTime: at,
      lastNonInteractiveSignInRequestId: id,
      ...(outcome.error ? {} : { lastSuccessfulSignInDateTime: at, lastSuccessfulSignInRequestId: id }),
    };
  }
  bounded(state.signIns, {
    id,
    createdDateTime: outcome.at.toISOString(),
    userDisplayName: app ? null : (user?.displayName ?? null),
    userPrincipalName: app ? null : (user?.userPrincipalName ?? null),
    userId: app ? null : (user?.id ?? null),
    appId: sp.appId,
    appDisplayName: sp.displayName,
    ipAddress: outcome.ipAddress,
    clientAppUsed: app ? null : 'Mobile Apps and Desktop clients',
    correlationId: outcome.correlationId,
    conditionalAccessStatus: 'notApplied',
    isInteractive: false,
    resourceDisplayName: graph?.displayName ?? 'Microsoft Graph',
    resourceId: GRAPH_APP_ID,
    servicePrincipalId: app ? sp.id : null,
    servicePrincipalName: app ? sp.displayName : null,
    servicePrincipalCredentialKeyId: trace.credentialKeyId ?? null,
    servicePrincipalCredentialThumbprint: trace.credentialThumbprint ?? null,
    clientCredentialType: trace.credentialType ?? 'none',
    federatedCredentialId: null,
    signInEventTypes: [app ? 'servicePrincipal' : 'nonInteractiveUser'],
    tokenIssuerType: 'AzureAD',
    status: outcome.error
      ? { errorCode: outcome.error.code, failureReason: outcome.error.description, additionalDetails: null }
      : { errorCode: 0, failureReason: null, additionalDetails: null },
  });
}
