import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** The simulator's token-signing key (Entra's are RSA 2048, named by a `kid` that equals the cert's `x5t`). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { kid: createHash('sha1').update(spki).digest('base64url'), privateKey, publicKey };
}

export const newSigningKey = (): SigningKey =>
  fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

export const signingKeyFromJwk = (jwk: JsonWebKey): SigningKey =>
  fromPrivateKey(createPrivateKey({ key: jwk, format: 'jwk' }));

export const signingKeyToJwk = (key: SigningKey): JsonWebKey => key.privateKey.export({ format: 'jwk' });

/** The JWKS document served at `jwks_uri`. */
export function publicJwks(key: SigningKey, issuer: string) {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n, e, issuer }] };
}
