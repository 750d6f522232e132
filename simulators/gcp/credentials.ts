import { randomBytes } from 'node:crypto';
import { ACCESS_TOKEN_PREFIX, tokenHash, verifyKeyJwt } from './authn.js';
import { failedPrecondition, GoogleApiError, invalidArgument, permissionDeniedOnResource } from './errors.js';
import { allowFields, findAccount, permitted, type OperationHandler } from './operation-context.js';
import { isoSeconds } from './time.js';
import type { AccessTokenRecord, GcpOrganisation, GcpState } from './state.js';

/** generateAccessToken's default and limits (IAM Credentials API, "lifetime"): 1 h, or 12 h where the org allows. */
const DEFAULT_LIFETIME_SECONDS = 3600;
const MAX_LIFETIME_SECONDS = 3600;
const EXTENDED_LIFETIME_SECONDS = 43_200;
const TOKEN_ENDPOINT_LIFETIME_SECONDS = 3599;

/** A new opaque token, kept only as its hash; the caller sees it once. */
function mint(state: GcpState, record: Omit<AccessTokenRecord, 'hash'>): string {
  const token = `${ACCESS_TOKEN_PREFIX}c.${randomBytes(48).toString('base64url')}`;
  state.tokens.set(tokenHash(token), { hash: tokenHash(token), ...record });
  // Expired tokens are of no use to anyone: forget them.
  for (const [hash, held] of state.tokens) {
    if (Date.parse(held.expiresAt) + 3600_000 < Date.parse(record.issuedAt)) state.tokens.delete(hash);
  }
  return token;
}

function lifetimeOf(value: unknown, maxSeconds: number): number {
  if (value === undefined) return DEFAULT_LIFETIME_SECONDS;
  const match = typeof value === 'string' ? /^(\d+)(?:\.\d+)?s$/.exec(value) : null;
  if (!match)
    throw invalidArgument(
      `Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(value)}`,
    );
  const seconds = Number(match[1]);
  if (seconds < 1 || seconds > maxSeconds) {
    throw invalidArgument(
      `The lifetime requested (${seconds}s) is outside what is allowed: at most ${maxSeconds}s${maxSeconds === MAX_LIFETIME_SECONDS ? ' (up to 43200s needs the organization policy constraints/iam.allowServiceAccountCredentialLifetimeExtension to list the service account)' : ''}.`,
    );
  }
  return seconds;
}

/**
 * IAM Credentials `projects/-/serviceAccounts/{sa}:generateAccessToken`: a caller holding
 * iam.serviceAccounts.getAccessToken on the account (roles/iam.serviceAccountTokenCreator, on the account's policy
 * or above it) gets an OAuth access token that acts as the account until it expires. Google documents the wildcard
 * `-` as required in the name. `delegates` chains are not modelled.
 */
export const generateAccessToken: OperationHandler = (ctx) => {
  const permission = 'iam.serviceAccounts.getAccessToken';
  const found = findAccount(ctx);
  const { project, account } = found;
  if (!project || !account || !permitted(ctx, project, permission, account)) {
    throw permissionDeniedOnResource(permission, 'iamcredentials.googleapis.com');
  }
  if (ctx.route.project !== '-') {
    throw invalidArgument('The project in the name must be the wildcard "-": projects/-/serviceAccounts/{ACCOUNT}.');
  }
  allowFields(ctx.body, ['delegates', 'scope', 'lifetime']);
  const delegates = ctx.body['delegates'];
  if (Array.isArray(delegates) && delegates.length > 0) {
    throw invalidArgument('Delegation chains (delegates) are not supported by this simulator.');
  }
  const scope = ctx.body['scope'];
  if (!Array.isArray(scope) || scope.length === 0 || scope.some((s) => typeof s !== 'string' || s === '')) {
    throw invalidArgument('Scope required.');
  }
  if (account.disabled) {
    throw failedPrecondition(`Precondition check failed. Service account ${account.email} is disabled.`);
  }
  const max = project.lifetimeExtension.includes(account.email) ? EXTENDED_LIFETIME_SECONDS : MAX_LIFETIME_SECONDS;
  const lifetime = lifetimeOf(ctx.body['lifetime'], max);
  const expires = new Date(ctx.now.getTime() + lifetime * 1000);
  const accessToken = mint(project, {
    email: account.email,
    issuedAt: ctx.now.toISOString(),
    expiresAt: expires.toISOString(),
    scopes: scope as string[],
    via: 'generateAccessToken',
    delegates: [...ctx.caller.delegates, ctx.caller.email],
  });
  // The audit log says who asked for which account; the token itself never appears.
  ctx.audit.request = {
    '@type': 'type.googleapis.com/google.iam.credentials.v1.GenerateAccessTokenRequest',
    name: `projects/-/serviceAccounts/${account.email}`,
    ...(ctx.body['lifetime'] === undefined ? {} : { lifetime: ctx.body['lifetime'] }),
  };
  return { accessToken, expireTime: isoSeconds(expires) };
};

/** An OAuth 2.0 error from the token endpoint: `{"error","error_description"}`, 400. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_AUDIENCES = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];

/**
 * `POST /token` with the JWT-bearer grant (RFC 7523), as google-auth-library exchanges a key file's signed assertion
 * when it does not sign its own access tokens: `iss` the account, `scope`, `aud` the token URL (Google's, or this
 * simulator's `/token`). The access token it returns is recorded with the key, so the audit log names the key as
 * serviceAccountKeyName, and, like Google's, it stays valid until it expires when the key is disabled or deleted.
 */
export async function exchangeJwtBearer(
  org: GcpOrganisation,
  form: URLSearchParams,
  now: Date,
  ownTokenUrl: string | undefined,
): Promise<{ access_token: string; expires_in: number; token_type: 'Bearer' }> {
  if (form.get('grant_type') !== JWT_BEARER) {
    throw new OAuthError('unsupported_grant_type', 'Invalid grant_type: only the JWT-bearer grant is served here.');
  }
  const assertion = form.get('assertion');
  if (!assertion) throw new OAuthError('invalid_request', 'Missing required parameter: assertion');
  let verified;
  try {
    verified = await verifyKeyJwt(org, assertion, now);
  } catch (error) {
    if (error instanceof GoogleApiError) throw new OAuthError('invalid_grant', 'Invalid JWT Signature.');
    throw error;
  }
  const { state, key, payload, email } = verified;
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((a) => a !== undefined && (TOKEN_AUDIENCES.includes(a) || a === ownTokenUrl))) {
    throw new OAuthError(
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scope = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [];
  if (scope.length === 0) throw new OAuthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  const expires = new Date(now.getTime() + TOKEN_ENDPOINT_LIFETIME_SECONDS * 1000);
  const access_token = mint(state, {
    email,
    issuedAt: now.toISOString(),
    expiresAt: expires.toISOString(),
    scopes: scope,
    via: 'token-endpoint',
    keyName: `projects/${state.projectId}/serviceAccounts/${email}/keys/${key.keyId}`,
    delegates: [],
  });
  return { access_token, expires_in: TOKEN_ENDPOINT_LIFETIME_SECONDS, token_type: 'Bearer' };
}
