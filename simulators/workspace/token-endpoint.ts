import { createPublicKey, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from './errors.js';
import { findUser, type ServiceAccountRecord, type WorkspaceState } from './state.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The audiences Google's token endpoint accepts in an assertion: today's URL and the legacy v4 one. */
export const TOKEN_AUDIENCES = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];
/** Google's access tokens last an hour; it reports one second less. */
export const EXPIRES_IN = 3599;
const MAX_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 300;

const SHORT_LIVED =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
const UNAUTHORIZED_CLIENT =
  'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.';

const grantError = (description: string, failure: string) => new OAuthError(400, 'invalid_grant', description, failure);

/** The claims the fault queue and the token log need before (or without) verifying anything. */
export interface AssertionPeek {
  readonly iss?: string;
  readonly sub?: string;
  readonly scopes: string[];
}

export function peekAssertion(assertion: string | null): AssertionPeek {
  try {
    const payload = decodeJwt(assertion ?? '');
    return {
      ...(typeof payload.iss === 'string' ? { iss: payload.iss } : {}),
      ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
      scopes: typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [],
    };
  } catch {
    return { scopes: [] };
  }
}

async function verifiedBy(account: ServiceAccountRecord, assertion: string, now: Date): Promise<JWTPayload> {
  let kid: unknown;
  try {
    const header = decodeProtectedHeader(assertion);
    if (header.alg !== 'RS256') throw new Error('not RS256');
    kid = header.kid;
  } catch {
    throw grantError('Invalid JWT Signature.', 'malformed');
  }
  // google-auth-library signs without a `kid`; with one, only that key may have signed it.
  const keys = kid === undefined ? account.keys : account.keys.filter((key) => key.keyId === kid);
  for (const key of keys) {
    try {
      // Times are checked below with Google's wording; jose checks the signature only.
      const { payload } = await jwtVerify(assertion, createPublicKey(key.publicKey), {
        algorithms: ['RS256'],
        currentDate: now,
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      return payload;
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed))
        throw grantError('Invalid JWT Signature.', 'malformed');
    }
  }
  throw grantError('Invalid JWT Signature.', 'signature');
}

export interface IssuedResult {
  readonly accessToken: string;
  readonly subject?: string;
  readonly serviceAccount: string;
  readonly scopes: string[];
}

/**
 * The OAuth 2.0 JWT-bearer grant (RFC 7523) as Google's token endpoint runs it for a service account: the
 * assertion is RS256, signed by one of the account's keys, `iss` = its email, `aud` = the token endpoint, `iat`
 * and `exp` at most an hour apart and around now, and `scope` names what the token is for. With `sub` (domain-wide
 * delegation) the account's client id must be authorised for every scope requested, and the subject must be an
 * active user of the domain. The token is stored with its subject and scopes; the caller gets only the string.
 */
export async function exchangeAssertion(
  state: WorkspaceState,
  form: URLSearchParams,
  now: Date,
): Promise<IssuedResult> {
  const grantType = form.get('grant_type');
  if (grantType === null)
    throw new OAuthError(400, 'invalid_request', 'Missing required parameter: grant_type', 'grant-type');
  if (grantType !== JWT_BEARER) {
    throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`, 'grant-type');
  }
  const assertion = form.get('assertion');
  if (assertion === null || assertion === '') {
    throw new OAuthError(400, 'invalid_request', 'Missing required parameter: assertion', 'assertion');
  }
  const { iss } = peekAssertion(assertion);
  const account = iss === undefined ? undefined : state.serviceAccounts.get(iss);
  if (!account) throw grantError('Invalid grant: account not found', 'unknown-account');

  const payload = await verifiedBy(account, assertion, now);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((value) => value !== undefined && TOKEN_AUDIENCES.includes(value))) {
    throw grantError('Invalid JWT: Failed audience check.', 'audience');
  }
  const { iat, exp } = payload;
  const nowSeconds = now.getTime() / 1000;
  if (
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    exp <= nowSeconds ||
    iat > nowSeconds + CLOCK_SKEW_SECONDS ||
    exp - iat > MAX_LIFETIME_SECONDS
  ) {
    throw grantError(SHORT_LIVED, 'lifetime');
  }
  const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [];
  if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', 'Empty or missing scope not allowed.', 'scope');

  const sub = typeof payload.sub === 'string' && payload.sub !== account.email ? payload.sub : undefined;
  if (sub !== undefined) {
    const allowed = state.delegation.get(account.clientId) ?? [];
    if (!scopes.every((scope) => allowed.includes(scope))) {
      throw new OAuthError(
        401,
        'unauthorized_client',
        UNAUTHORIZED_CLIENT,
        allowed.length ? 'scope-not-delegated' : 'no-delegation',
      );
    }
    const user = findUser(state, sub);
    if (!user) throw grantError('Invalid email or User ID', 'unknown-subject');
    if (user.suspended) throw grantError('Invalid email or User ID', 'subject-suspended');
  }

  const accessToken = `ya29.c.SANDBOX-${randomBytes(24).toString('base64url')}`;
  const subject = sub === undefined ? undefined : findUser(state, sub)?.primaryEmail;
  state.issued.set(accessToken, {
    serviceAccount: account.email,
    ...(subject === undefined ? {} : { subject }),
    scopes,
    expiresAt: new Date(now.getTime() + EXPIRES_IN * 1000).toISOString(),
  });
  return { accessToken, serviceAccount: account.email, scopes, ...(subject === undefined ? {} : { subject }) };
}
