import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, type JWTPayload } from 'jose';

export interface ParsedCertificate {
  /** base64 DER, the form Graph's keyCredential.key takes. */
  readonly der: string;
  /** Upper-case hex SHA-1 thumbprint: Graph shows it as the keyCredential's customKeyIdentifier. */
  readonly thumbprint: string;
  /** base64url SHA-1 and SHA-256 thumbprints, as JWT headers name a certificate (`x5t`, `x5t#S256`). */
  readonly x5t: string;
  readonly x5tS256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly publicKey: KeyObject;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/;

/** Accepts a PEM certificate or its base64 DER; throws on anything else. */
export function parseCertificate(text: string): ParsedCertificate {
  const pem = PEM_BLOCK.exec(text);
  const base64 = (pem?.[1] ?? text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error('is neither a PEM certificate nor base64 DER');
  const raw = Buffer.from(base64, 'base64');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(raw);
  } catch {
    throw new Error('is not a parseable X.509 certificate');
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error('must hold an RSA public key (Entra signs and verifies client assertions with RS256/PS256)');
  }
  const sha1 = createHash('sha1').update(cert.raw).digest();
  return {
    der: cert.raw.toString('base64'),
    thumbprint: sha1.toString('hex').toUpperCase(),
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    publicKey: cert.publicKey,
  };
}

export function certificateMatchesKey(certificate: string, privateKeyPem: string): boolean {
  return new X509Certificate(Buffer.from(parseCertificate(certificate).der, 'base64')).checkPrivateKey(
    createPrivateKey(privateKeyPem),
  );
}

export interface CertificateCredential {
  readonly keyId: string;
  readonly certificate: string;
  readonly startDateTime: string;
  readonly endDateTime: string;
}

export type CertificateJwtFailure = 'malformed' | 'unknown-key' | 'signature';

export type CertificateJwtResult<C> =
  | { ok: true; credential: C; payload: JWTPayload; thumbprint: string }
  | { ok: false; failure: CertificateJwtFailure; thumbprint: string };

const ALGORITHMS = ['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512'];

/**
 * Verifies a JWT signed with one of `credentials` (a client assertion or a removeKey proof): the header names the
 * certificate by `x5t` (SHA-1) or `x5t#S256`, and only credentials inside their start/end window count.
 * Claims are left to the caller; each use checks different ones.
 */
export async function verifyCertificateJwt<C extends CertificateCredential>(
  jwt: string,
  credentials: readonly C[],
  now: Date,
): Promise<CertificateJwtResult<C>> {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    return { ok: false, failure: 'malformed', thumbprint: '' };
  }
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const thumbprint = x5tS256 ?? x5t ?? '';
  const at = now.getTime();
  const match = credentials
    .filter((c) => Date.parse(c.startDateTime) <= at && at <= Date.parse(c.endDateTime))
    .map((credential) => ({ credential, parsed: parseCertificate(credential.certificate) }))
    .find(({ parsed }) => (x5tS256 !== undefined ? parsed.x5tS256 === x5tS256 : parsed.x5t === x5t));
  const shown = match?.parsed.thumbprint ?? Buffer.from(thumbprint, 'base64url').toString('hex').toUpperCase();
  if (!match) return { ok: false, failure: 'unknown-key', thumbprint: shown };
  try {
    const { payload } = await compactVerify(jwt, match.parsed.publicKey, { algorithms: ALGORITHMS });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      return { ok: false, failure: 'malformed', thumbprint: shown };
    }
    return { ok: true, credential: match.credential, payload: claims as JWTPayload, thumbprint: shown };
  } catch {
    return { ok: false, failure: 'signature', thumbprint: shown };
  }
}
