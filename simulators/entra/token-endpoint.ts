import {
  applicationNotFound,
  consentRequired,
  disabledApplication,
  grantClientMismatch,
  grantRevoked,
  invalidScope,
  malformedGrant,
  missingParameter,
  resourceNotFound,
  unsupportedGrantType,
  userDisabled,
  userNotFound,
} from './aad-errors.js';
import { GRAPH_AUDIENCE, issueAppToken, issueUserToken } from './access-tokens.js';
import type { SignInTrace } from './audit-records.js';
import { authenticateClient, type ClientAuthContext } from './client-auth.js';
import { newRefreshToken } from './ids.js';
import type { SigningKey } from './signing-key.js';
import {
  consentedGraphScopes,
  findApplicationByAppId,
  findServicePrincipalByAppId,
  graphRolesOf,
  GRAPH_APP_ID,
  type ServicePrincipalRecord,
  type SimState,
  type TenantRecord,
} from './state.js';

export interface TokenRequestContext {
  /** The tenant the path named. */
  readonly state: SimState;
  /** Every tenant served, by id: a multi-tenant app's credentials live in its home tenant. */
  readonly directory: ReadonlyMap<string, SimState>;
  readonly tenant: TenantRecord;
  readonly key: SigningKey;
  readonly now: Date;
  /** Origin the client used, e.g. https://localhost:41234. */
  readonly origin: string;
  /** The tenant path segment as sent (id, domain, common, organizations). */
  readonly tenantSegment: string;
  /** Filled in as the request is handled: the sign-in log's record of it. */
  readonly trace?: SignInTrace;
}

export interface TokenGrantResult {
  readonly body: Record<string, unknown>;
  /** Object id of the SP (app-only) or the user (delegated). */
  readonly subject: string;
  /** State changed (a refresh token was issued) and must be persisted. */
  readonly changed: boolean;
}

/** OpenID scopes that name no resource permission. */
const RESERVED_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_RESOURCES = new Set([GRAPH_AUDIENCE, `${GRAPH_AUDIENCE}/`, GRAPH_APP_ID]);

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value.trim() === '') throw missingParameter(name);
  return value.trim();
}

function audiencesFor(ctx: TokenRequestContext): Set<string> {
  const segments = new Set([ctx.tenantSegment, ctx.tenant.id, ...ctx.tenant.domains]);
  const audiences = new Set<string>();
  for (const segment of segments) {
    const base = `${ctx.origin}/${segment}`.toLowerCase();
    for (const suffix of ['/oauth2/v2.0/token', '/oauth2/token', '/v2.0', '']) audiences.add(`${base}${suffix}`);
  }
  return audiences;
}

interface Client {
  /** The app's service principal in the tenant the token is for: its roles, grants and accountEnabled count. */
  readonly sp: ServicePrincipalRecord;
  /** What the client may authenticate with (for an app registered in another tenant served here, that one's too). */
  readonly credentials: ServicePrincipalRecord;
}

/**
 * The client's service principal in this tenant. An app registered in another tenant served here authenticates
 * with its home registration's secrets and certificates (the home tenant's service principal stands in for the
 * application object), and only if that registration is multi-tenant: a single-tenant app cannot be consented
 * elsewhere, so another tenant does not know it (AADSTS700016, as real Entra answers).
 */
function clientFor(ctx: TokenRequestContext, clientId: string): Client {
  const sp = findServicePrincipalByAppId(ctx.state, clientId);
  if (!sp) throw applicationNotFound(clientId, ctx.tenant.name);
  if (ctx.trace) ctx.trace.sp = { id: sp.id, appId: sp.appId, displayName: sp.displayName };
  const homeHere = sp.appOwnerOrganizationId === ctx.tenant.id;
  const home = homeHere ? ctx.state : ctx.directory.get(sp.appOwnerOrganizationId);
  // The application object, where it is modelled: secrets added to the app registration authenticate its SPs.
  const application = home ? findApplicationByAppId(home, clientId) : undefined;
  const fromApplication = {
    passwordCredentials: application?.passwordCredentials ?? [],
    keyCredentials: application?.keyCredentials ?? [],
  };
  if (homeHere || !home) return { sp, credentials: withCredentials(sp, fromApplication) };
  const homeSp = findServicePrincipalByAppId(home, clientId);
  const audience = application?.signInAudience ?? homeSp?.signInAudience;
  if (audience !== 'AzureADMultipleOrgs') throw applicationNotFound(clientId, ctx.tenant.name);
  return {
    sp,
    credentials: withCredentials(sp, homeSp ?? { passwordCredentials: [], keyCredentials: [] }, fromApplication),
  };
}

function withCredentials(
  sp: ServicePrincipalRecord,
  ...more: Pick<ServicePrincipalRecord, 'passwordCredentials' | 'keyCredentials'>[]
): ServicePrincipalRecord {
  if (more.every((m) => m.passwordCredentials.length + m.keyCredentials.length === 0)) return sp;
  return {
    ...sp,
    passwordCredentials: [...sp.passwordCredentials, ...more.flatMap((m) => m.passwordCredentials)],
    keyCredentials: [...sp.keyCredentials, ...more.flatMap((m) => m.keyCredentials)],
  };
}

function authContext(ctx: TokenRequestContext, allowPublicClient: boolean): ClientAuthContext {
  return { now: ctx.now, audiences: audiencesFor(ctx), allowPublicClient, ...(ctx.trace ? { trace: ctx.trace } : {}) };
}

/** `https://graph.microsoft.com/.default` (or the Graph appId form) is the only resource this sandbox issues for. */
function graphDefaultScope(ctx: TokenRequestContext, scope: string): void {
  const scopes = scope.split(/\s+/).filter((s) => s !== '' && !RESERVED_SCOPES.has(s));
  const [only] = scopes;
  if (scopes.length !== 1 || only === undefined || !only.endsWith('/.default')) throw invalidScope(scope);
  const resource = only.slice(0, -'/.default'.length);
  if (!GRAPH_RESOURCES.has(resource.toLowerCase())) throw resourceNotFound(resource, ctx.tenant.name);
}

async function clientCredentials(ctx: TokenRequestContext, form: URLSearchParams): Promise<TokenGrantResult> {
  const clientId = required(form, 'client_id').toLowerCase();
  const scope = required(form, 'scope');
  const { sp, credentials } = clientFor(ctx, clientId);
  const method = await authenticateClient(credentials, form, authContext(ctx, false));
  if (!sp.accountEnabled) throw disabledApplication(sp.appId, sp.displayName);
  graphDefaultScope(ctx, scope);
  const token = await issueAppToken({
    key: ctx.key,
    tenantId: ctx.tenant.id,
    client: sp,
    now: ctx.now,
    roles: graphRolesOf(ctx.state, sp.id),
    authMethod: method === 'certificate' ? 'certificate' : 'secret',
  });
  return {
    body: {
      token_type: 'Bearer',
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
    },
    subject: sp.id,
    changed: false,
  };
}

/**
 * The delegated permissions to put in `scp`: `.default` asks for everything consented; named permissions
 * (`Mail.Read`, `https://graph.microsoft.com/Mail.Read`) must each be consented, or AADSTS65001.
 */
function delegatedScopes(
  ctx: TokenRequestContext,
  sp: ServicePrincipalRecord,
  userId: string,
  scope: string,
): string[] {
  const consented = consentedGraphScopes(ctx.state, sp.id, userId).filter((s) => !RESERVED_SCOPES.has(s));
  const requested = scope.split(/\s+/).filter((s) => s !== '' && !RESERVED_SCOPES.has(s));
  let wantsDefault = requested.length === 0;
  const named: string[] = [];
  for (const item of requested) {
    const slash = item.lastIndexOf('/');
    const resource = slash < 0 ? GRAPH_AUDIENCE : item.slice(0, slash);
    const permission = slash < 0 ? item : item.slice(slash + 1);
    if (!GRAPH_RESOURCES.has(resource.toLowerCase())) throw resourceNotFound(resource, ctx.tenant.name);
    if (permission === '.default') wantsDefault = true;
    else named.push(permission);
  }
  const granted = named.map((p) => consented.find((c) => c.toLowerCase() === p.toLowerCase()));
  if (granted.some((g) => g === undefined) || (wantsDefault && consented.length === 0)) {
    throw consentRequired(sp.appId, sp.displayName);
  }
  return [...new Set([...(wantsDefault ? consented : []), ...(granted as string[])])];
}

/**
 * A refresh token is refused once the user is disabled (AADSTS50057) or when it was issued before the user's
 * signInSessionsValidFromDateTime (AADSTS50173), which revokeSignInSessions moves to now. Access tokens already
 * issued are not affected: they live until `exp`.
 */
async function refreshToken(ctx: TokenRequestContext, form: URLSearchParams): Promise<TokenGrantResult> {
  const clientId = required(form, 'client_id').toLowerCase();
  const presented = required(form, 'refresh_token');
  const record = ctx.state.refreshTokens.get(presented);
  if (!record) throw malformedGrant();
  const { sp, credentials } = clientFor(ctx, clientId);
  if (record.clientAppId !== clientId) throw grantClientMismatch();
  const signingIn = ctx.state.users.get(record.userId);
  if (ctx.trace && signingIn) {
    ctx.trace.user = {
      id: signingIn.id,
      userPrincipalName: signingIn.userPrincipalName,
      displayName: signingIn.displayName,
    };
  }
  const method = await authenticateClient(credentials, form, authContext(ctx, true));
  if (!sp.accountEnabled) throw disabledApplication(sp.appId, sp.displayName);
  const user = ctx.state.users.get(record.userId);
  if (!user) throw userNotFound(record.userId, ctx.tenant.name);
  if (!user.accountEnabled) throw userDisabled();
  if (Date.parse(record.issuedDateTime) < Date.parse(user.signInSessionsValidFromDateTime)) {
    throw grantRevoked(record.issuedDateTime, user.signInSessionsValidFromDateTime);
  }
  const requestedScope = form.get('scope') ?? '';
  const scopes = delegatedScopes(ctx, sp, user.id, requestedScope);
  const token = await issueUserToken({
    key: ctx.key,
    tenantId: ctx.tenant.id,
    client: sp,
    now: ctx.now,
    user,
    scopes,
    confidential: method !== 'none',
  });
  // Entra hands out a new refresh token on every redemption; the old one stays valid too.
  const next = newRefreshToken();
  ctx.state.refreshTokens.set(next, {
    token: next,
    userId: user.id,
    clientAppId: sp.appId,
    issuedDateTime: ctx.now.toISOString(),
  });
  const reserved = requestedScope.split(/\s+/).filter((s) => RESERVED_SCOPES.has(s));
  return {
    body: {
      token_type: 'Bearer',
      scope: [...scopes, ...reserved].join(' '),
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
      refresh_token: next,
    },
    subject: user.id,
    changed: true,
  };
}

/** POST /{tenant}/oauth2/v2.0/token. Throws AadError for every refusal. */
export async function handleTokenRequest(ctx: TokenRequestContext, form: URLSearchParams): Promise<TokenGrantResult> {
  const grantType = required(form, 'grant_type');
  if (ctx.trace) ctx.trace.grantType = grantType;
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(ctx, form);
    case 'refresh_token':
      return refreshToken(ctx, form);
    default:
      throw unsupportedGrantType(grantType);
  }
}
