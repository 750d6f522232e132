import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';

/** A stand-in identity provider: it signs identity tokens for whoever a test names. */
export interface IdentityIssuer {
  issuer: string;
  audience: string;
  /** The issuer's public keys, as REVOKER_IDENTITY_JWKS_FILE holds them. */
  jwks: JSONWebKeySet;
  /** An identity token (REVOKER_IDENTITY_TOKEN) for `email`, valid for five minutes. */
  issue(email: string, options?: { expiresIn?: string }): Promise<string>;
}

export async function startIdentityIssuer(
  issuer = 'https://identity.sandbox.revoker.invalid',
  audience = 'revoker',
): Promise<IdentityIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'sandbox-1', alg: 'ES256', use: 'sig' };
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    issue: (email, options = {}) =>
      new SignJWT({ email, email_verified: true })
        .setProtectedHeader({ alg: 'ES256', kid: 'sandbox-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(`sandbox|${email.toLowerCase()}`)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey),
  };
}
