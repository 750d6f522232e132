import { createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { insufficientScopes, unauthenticated } from './errors.js';
import type { GcpOrganisation } from './state.js';

export interface Caller {
  readonly email: string;
  readonly keyId: string;
  /** The project the account belongs to (its home; quota is charged to it). */
  readonly projectId: string;
  readonly projectNumber: string;
}

/** Either scope lets a token call the IAM API (https://cloud.google.com/iam/docs/reference/rest#authorization-scopes). */
const IAM_SCOPES = ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/iam'];
/** Google refuses self-signed JWTs that live longer than an hour. */
const MAX_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 300;

function decode(token: string): { kid: string; payload: JWTPayload } {
  try {
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') throw new Error('not a service account JWT');
    return { kid: header.kid, payload };
  } catch {
    throw unauthenticated('malformed');
  }
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
  audiences: readonly string[],
): Promise<Caller> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw unauthenticated('missing');
  const token = match[1];
  const { kid, payload } = decode(token);

  const email = payload.iss;
  if (typeof email !== 'string' || payload.sub !== email) throw unauthenticated('claims');
  const state = [...org.projects.values()].find((project) => project.serviceAccounts.has(email));
  const account = state?.serviceAccounts.get(email);
  if (!state || !account) throw unauthenticated('unknown-account');
  const key = state.keys.get(kid);
  if (!key || key.email !== email) throw unauthenticated('unknown-key');

  try {
    await jwtVerify(token, createPublicKey(key.publicKey), { algorithms: ['RS256'], currentDate: now });
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw unauthenticated('expired');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('signature');
    throw unauthenticated('malformed');
  }

  if (key.deleteTime !== undefined) throw unauthenticated('key-deleted');
  if (key.disabled) throw unauthenticated('key-disabled');
  if (now.getTime() < Date.parse(key.validAfterTime)) throw unauthenticated('key-not-yet-valid');
  if (now.getTime() >= Date.parse(key.validBeforeTime)) throw unauthenticated('key-expired');
  if (account.disabled) throw unauthenticated('account-disabled');

  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') throw unauthenticated('claims');
  if (iat > now.getTime() / 1000 + CLOCK_SKEW_SECONDS) throw unauthenticated('issued-in-future');
  if (exp - iat > MAX_LIFETIME_SECONDS) throw unauthenticated('lifetime-too-long');

  if (typeof payload['scope'] === 'string') {
    const scopes = payload['scope'].split(' ');
    if (!scopes.some((scope) => IAM_SCOPES.includes(scope))) throw insufficientScopes();
  } else if (payload.aud !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((value) => audiences.includes(value))) throw unauthenticated('audience');
  } else {
    throw unauthenticated('claims');
  }
  return { email, keyId: kid, projectId: state.projectId, projectNumber: state.projectNumber };
}
