import { createHash, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { insufficientScopes, unauthenticated } from './errors.js';
import { keyName, type AccessTokenRecord, type GcpOrganisation, type GcpState, type KeyRecord } from './state.js';

export interface Caller {
  readonly email: string;
  /** The project the account belongs to (its home; quota is charged to it). */
  readonly projectId: string;
  readonly projectNumber: string;
  /**
   * How the call authenticated: a self-signed JWT from a key, an OAuth token the token endpoint exchanged for a key's
   * JWT, or an access token generateAccessToken minted for this account.
   */
  readonly credential: 'jwt' | 'oauth' | 'generated';
  /** The key behind the credential (`projects/p/serviceAccounts/e/keys/k`): a JWT's, or the token endpoint's. */
  readonly keyName?: string;
  /** A generated token's impersonators, the original caller first (the audit log's serviceAccountDelegationInfo). */
  readonly delegates: readonly string[];
}

/** What the API being called accepts from a token: its audiences (a scope-less JWT) and its OAuth scopes. */
export interface ApiAudience {
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
}

/** The simulator's opaque OAuth access tokens look like Google's (`ya29.` …). */
export const ACCESS_TOKEN_PREFIX = 'ya29.';

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');
/** Google refuses self-signed JWTs that live longer than an hour. */
const MAX_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 300;

function decode(token: string): { kid: string | undefined; payload: JWTPayload } {
  try {
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    if (header.alg !== 'RS256' || (header.kid !== undefined && typeof header.kid !== 'string')) {
      throw new Error('not a service account JWT');
    }
    return { kid: header.kid, payload };
  } catch {
    throw unauthenticated('malformed');
  }
}

/**
 * An opaque OAuth access token: minted by generateAccessToken or the token endpoint, valid until it expires, whatever
 * happens to the key or the caller that minted it since (Google: "short-lived credentials … cannot be revoked"),
 * but refused as soon as the account it acts as is disabled.
 */
function authenticateToken(org: GcpOrganisation, token: string, now: Date, api: ApiAudience): Caller {
  const hash = tokenHash(token);
  let found: { state: GcpState; record: AccessTokenRecord } | undefined;
  for (const state of org.projects.values()) {
    const record = state.tokens.get(hash);
    if (record) found = { state, record };
  }
  if (!found) throw unauthenticated('unknown-token');
  const { state, record } = found;
  if (now.getTime() >= Date.parse(record.expiresAt)) throw unauthenticated('expired');
  const account = state.serviceAccounts.get(record.email);
  if (!account) throw unauthenticated('unknown-account');
  if (account.disabled) throw unauthenticated('account-disabled');
  if (!record.scopes.some((scope) => api.scopes.includes(scope))) throw insufficientScopes();
  return {
    email: record.email,
    projectId: state.projectId,
    projectNumber: state.projectNumber,
    credential: record.via === 'token-endpoint' ? 'oauth' : 'generated',
    ...(record.keyName === undefined ? {} : { keyName: record.keyName }),
    delegates: record.delegates,
  };
}

/**
 * A JWT signed with a service account key: RS256, `iss` the account, signed by the key its `kid` names (without a
 * `kid`, as an OAuth JWT-bearer assertion may come, by any live key of the account), the key enabled and within its
 * validity, the account enabled, `iat`/`exp` at most an hour apart. `sub`, when present, must be the account (no
 * domain-wide delegation here).
 */
export async function verifyKeyJwt(
  org: GcpOrganisation,
  token: string,
  now: Date,
): Promise<{ state: GcpState; key: KeyRecord; payload: JWTPayload; email: string }> {
  const { kid, payload } = decode(token);
  const email = payload.iss;
  if (typeof email !== 'string' || (payload.sub !== undefined && payload.sub !== email)) {
    throw unauthenticated('claims');
  }
  const state = [...org.projects.values()].find((project) => project.serviceAccounts.has(email));
  const account = state?.serviceAccounts.get(email);
  if (!state || !account) throw unauthenticated('unknown-account');
  const candidates =
    kid === undefined
      ? [...state.keys.values()].filter((k) => k.email === email && k.deleteTime === undefined)
      : [state.keys.get(kid)].filter((k): k is KeyRecord => k !== undefined && k.email === email);
  if (candidates.length === 0) throw unauthenticated('unknown-key');

  let key: KeyRecord | undefined;
  let failure: Error | undefined;
  for (const candidate of candidates) {
    try {
      await jwtVerify(token, createPublicKey(candidate.publicKey), { algorithms: ['RS256'], currentDate: now });
      key = candidate;
      break;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthenticated('expired');
      failure =
        error instanceof errors.JWSSignatureVerificationFailed
          ? unauthenticated('signature')
          : unauthenticated('malformed');
    }
  }
  if (!key) throw failure ?? unauthenticated('signature');

  if (key.deleteTime !== undefined) throw unauthenticated('key-deleted');
  if (key.disabled) throw unauthenticated('key-disabled');
  if (now.getTime() < Date.parse(key.validAfterTime)) throw unauthenticated('key-not-yet-valid');
  if (now.getTime() >= Date.parse(key.validBeforeTime)) throw unauthenticated('key-expired');
  if (account.disabled) throw unauthenticated('account-disabled');

  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') throw unauthenticated('claims');
  if (iat > now.getTime() / 1000 + CLOCK_SKEW_SECONDS) throw unauthenticated('issued-in-future');
  if (exp - iat > MAX_LIFETIME_SECONDS) throw unauthenticated('lifetime-too-long');
  return { state, key, payload, email };
}

/**
 * Verifies a self-signed JWT access token, as google-auth-library's JWTAccess makes it from a key file: RS256,
 * `kid` = the key id, `iss` = `sub` = the account email, `iat`/`exp` at most an hour apart, and `scope` (with
 * useJWTAccessWithScope) or `aud` = the API's root URL. Every check reads the current state, so disabling or
 * deleting the key, or disabling the account, refuses the very next request. The account may belong to any
 * project served: a key authenticates its account wherever it is used, and what it may do there is up to the
 * target project's policy.
 */
export async function authenticate(
  org: GcpOrganisation,
  authorization: string | undefined,
  now: Date,
  api: ApiAudience,
): Promise<Caller> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw unauthenticated('missing');
  const token = match[1];
  if (token.startsWith(ACCESS_TOKEN_PREFIX)) return authenticateToken(org, token, now, api);
  // An access JWT names its key and repeats the account as `sub` (JWTAccess does both).
  const claims = decode(token);
  if (claims.kid === undefined) throw unauthenticated('malformed');
  if (typeof claims.payload.iss !== 'string' || claims.payload.sub !== claims.payload.iss) {
    throw unauthenticated('claims');
  }
  const { state, key, payload, email } = await verifyKeyJwt(org, token, now);

  if (typeof payload['scope'] === 'string') {
    const scopes = payload['scope'].split(' ');
    if (!scopes.some((scope) => api.scopes.includes(scope))) throw insufficientScopes();
  } else if (payload.aud !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((value) => api.audiences.includes(value))) throw unauthenticated('audience');
  } else {
    throw unauthenticated('claims');
  }
  return {
    email,
    projectId: state.projectId,
    projectNumber: state.projectNumber,
    credential: 'jwt',
    keyName: keyName(state, key),
    delegates: [],
  };
}
