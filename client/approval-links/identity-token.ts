import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Verifies who a person is from an identity token (a JWT their identity provider signed: an OIDC ID
 * token, or a token an automation's issuer minted into REVOKER_IDENTITY_TOKEN) and answers with the
 * identity decisions are recorded under.
 */
export interface IdentityVerifier {
  /** The issuer whose tokens it takes, and the audience they must name: what `revoker login` signs in with. */
  readonly issuer: string;
  readonly audience: string;
  verify(token: string): Promise<string>;
}

/** Why a presented identity token is not honoured; the message never quotes the token. */
export class IdentityTokenError extends Error {
  override readonly name = 'IdentityTokenError';
}

export interface IdentitySettings {
  /** The issuer's `iss` (REVOKER_IDENTITY_ISSUER), e.g. https://login.example.com. */
  issuer: string;
  /** The `aud` tokens must name (REVOKER_IDENTITY_AUDIENCE). */
  audience: string;
  /** The issuer's public keys: a JWKS (REVOKER_IDENTITY_JWKS_FILE), or its `jwks_uri` (REVOKER_IDENTITY_JWKS_URL). */
  keys: JSONWebKeySet | URL;
  now?: () => Date;
}

// Public-key signatures only: a shared-secret (HS*) token could be minted by whoever verifies it.
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_TOKEN_LENGTH = 16_384;

const Claims = z.object({
  sub: z.string().trim().min(1).max(128),
  email: z.string().trim().min(3).max(128).optional(),
  email_verified: z.boolean().optional(),
});

/** The identity a token vouches for: its verified email, else its subject. */
function identityOf(payload: JWTPayload): string {
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new IdentityTokenError('the identity token names nobody (no sub claim)');
  const { sub, email, email_verified } = claims.data;
  return email && email_verified !== false ? email : sub;
}

export function identityVerifier(settings: IdentitySettings): IdentityVerifier {
  const keys = settings.keys instanceof URL ? createRemoteJWKSet(settings.keys) : createLocalJWKSet(settings.keys);
  return {
    issuer: settings.issuer,
    audience: settings.audience,
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new IdentityTokenError('the identity token is not a JWT');
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          ...(settings.now ? { currentDate: settings.now() } : {}),
        });
        return identityOf(payload);
      } catch (error) {
        if (error instanceof IdentityTokenError) throw error;
        if (error instanceof errors.JWTExpired) {
          throw new IdentityTokenError('the identity token has expired: get a new one from your identity provider');
        }
        if (error instanceof errors.JWTClaimValidationFailed) {
          throw new IdentityTokenError(`the identity token is not for Revoker (its ${error.claim} claim)`);
        }
        throw new IdentityTokenError('the identity token is not valid: not signed by the configured issuer');
      }
    },
  };
}

/**
 * The verifier REVOKER_IDENTITY_* configure on Revoker's HTTP server, or undefined when they are not
 * set (then the server verifies no identity tokens, and `POST /links/decide` answers 404).
 */
export function identityVerifierFromEnv(env: Record<string, string | undefined>): IdentityVerifier | undefined {
  const issuer = env.REVOKER_IDENTITY_ISSUER?.trim();
  if (!issuer) return undefined;
  const audience = env.REVOKER_IDENTITY_AUDIENCE?.trim() || 'revoker';
  const file = env.REVOKER_IDENTITY_JWKS_FILE?.trim();
  const url = env.REVOKER_IDENTITY_JWKS_URL?.trim();
  if (Boolean(file) === Boolean(url)) {
    throw new Error(
      "REVOKER_IDENTITY_ISSUER needs exactly one of REVOKER_IDENTITY_JWKS_FILE (the issuer's public keys as a JWKS) or REVOKER_IDENTITY_JWKS_URL (its jwks_uri)",
    );
  }
  if (url) return identityVerifier({ issuer, audience, keys: new URL(url) });
  let keys: unknown;
  try {
    keys = JSON.parse(readFileSync(file as string, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read REVOKER_IDENTITY_JWKS_FILE ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }).safeParse(keys);
  if (!parsed.success) throw new Error(`REVOKER_IDENTITY_JWKS_FILE ${file} is not a JWKS ({"keys": [...]})`);
  return identityVerifier({ issuer, audience, keys: parsed.data });
}
