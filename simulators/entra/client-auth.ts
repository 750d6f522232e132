import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AadError,
  assertionAudienceMismatch,
  assertionIssuerMismatch,
  assertionOutOfTime,
  expiredClientSecret,
  invalidAssertionSignature,
  invalidAssertionType,
  invalidClientSecret,
  missingClientCredential,
  unknownAssertionKey,
} from './aad-errors.js';
import type { SignInTrace } from './audit-records.js';
import { verifyCertificateJwt } from './certificates.js';
import type { ServicePrincipalRecord } from './state.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CLOCK_SKEW_SECONDS = 300;

export type ClientAuthMethod = 'secret' | 'certificate' | 'none';

export interface ClientAuthContext {
  readonly now: Date;
  /** URLs Entra accepts as a client assertion's `aud` (token endpoint, issuer). */
  readonly audiences: ReadonlySet<string>;
  /** Refresh token grants may skip client authentication when the app allows public client flows. */
  readonly allowPublicClient: boolean;
  /** Told which credential was presented, for the sign-in log (even when it is refused). */
  readonly trace?: SignInTrace;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

function checkSecret(sp: ServicePrincipalRecord, secret: string, now: Date, trace?: SignInTrace): ClientAuthMethod {
  const at = now.getTime();
  if (trace) trace.credentialType = 'clientSecret';
  const credential = sp.passwordCredentials.find((p) => sameSecret(p.secretText, secret));
  if (credential) {
    if (trace) trace.credentialKeyId = credential.keyId;
    if (at > Date.parse(credential.endDateTime)) throw expiredClientSecret(sp.appId);
    if (at < Date.parse(credential.startDateTime)) throw invalidClientSecret(sp.appId);
    return 'secret';
  }
  if (sp.homeTenantSecrets.some((s) => sameSecret(s, secret))) return 'secret';
  throw invalidClientSecret(sp.appId);
}

async function checkAssertion(
  sp: ServicePrincipalRecord,
  assertionType: string | null,
  assertion: string,
  ctx: ClientAuthContext,
): Promise<ClientAuthMethod> {
  if (assertionType !== JWT_BEARER_ASSERTION) throw invalidAssertionType();
  const result = await verifyCertificateJwt(assertion, sp.keyCredentials, ctx.now);
  if (ctx.trace) {
    ctx.trace.credentialType = 'certificate';
    ctx.trace.credentialThumbprint = result.thumbprint;
    if (result.ok) ctx.trace.credentialKeyId = result.credential.keyId;
  }
  if (!result.ok) {
    if (result.failure === 'unknown-key') throw unknownAssertionKey(result.thumbprint);
    if (result.failure === 'malformed') {
      throw new AadError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
    }
    throw invalidAssertionSignature();
  }
  const { payload } = result;
  if (payload.iss?.toLowerCase() !== sp.appId || payload.sub?.toLowerCase() !== sp.appId) {
    throw assertionIssuerMismatch();
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.some((aud) => aud !== undefined && ctx.audiences.has(aud.replace(/\/$/, '').toLowerCase()))) {
    throw assertionAudienceMismatch();
  }
  const nowSeconds = ctx.now.getTime() / 1000;
  const expired = typeof payload.exp !== 'number' || payload.exp + CLOCK_SKEW_SECONDS < nowSeconds;
  const early = typeof payload.nbf === 'number' && payload.nbf - CLOCK_SKEW_SECONDS > nowSeconds;
  if (expired || early) throw assertionOutOfTime();
  return 'certificate';
}

/**
 * Client authentication at the token endpoint: a secret from the SP's passwordCredentials (or, for a multi-tenant
 * app, its home tenant's application object), or a certificate-signed client assertion.
 */
export async function authenticateClient(
  sp: ServicePrincipalRecord,
  form: URLSearchParams,
  ctx: ClientAuthContext,
): Promise<ClientAuthMethod> {
  const secret = form.get('client_secret');
  if (secret !== null && secret !== '') return checkSecret(sp, secret, ctx.now, ctx.trace);
  const assertion = form.get('client_assertion');
  if (assertion !== null && assertion !== '') {
    return checkAssertion(sp, form.get('client_assertion_type'), assertion, ctx);
  }
  if (ctx.allowPublicClient && sp.isFallbackPublicClient) return 'none';
  throw missingClientCredential();
}
