import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { identityVerifierFromEnv } from './identity-token.js';

const dir = mkdtempSync(join(tmpdir(), 'revoker-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('identity tokens from the environment', () => {
  it('verifies with the JWKS file REVOKER_IDENTITY_JWKS_FILE names, for the issuer and audience configured', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'a' }] }));
    const verifier = identityVerifierFromEnv({
      REVOKER_IDENTITY_ISSUER: 'https://idp.example.com',
      REVOKER_IDENTITY_AUDIENCE: 'revoker-prod',
      REVOKER_IDENTITY_JWKS_FILE: file,
    });
    const token = (aud: string, claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'a' })
        .setIssuer('https://idp.example.com')
        .setAudience(aud)
        .setExpirationTime('5m')
        .sign(privateKey);
    assert.equal(
      await verifier?.verify(await token('revoker-prod', { sub: 'u1', email: 'sam@example.com' })),
      'sam@example.com',
    );
    assert.equal(
      await verifier?.verify(await token('revoker-prod', { sub: 'u1', email: 'x@example.com', email_verified: false })),
      'u1',
      'an unverified email is not an identity: the subject is',
    );
    await assert.rejects(verifier!.verify(await token('revoker', { sub: 'u1' })), /not for Revoker \(its aud claim\)/);
    await assert.rejects(verifier!.verify('not.a.jwt'), /not valid/);
  });

  it('is off without an issuer, and refuses a half configuration or a file that is not a JWKS', () => {
    assert.equal(identityVerifierFromEnv({}), undefined);
    assert.throws(() => identityVerifierFromEnv({ REVOKER_IDENTITY_ISSUER: 'https://idp' }), /exactly one of/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"keys": []}');
    assert.throws(
      () => identityVerifierFromEnv({ REVOKER_IDENTITY_ISSUER: 'https://idp', REVOKER_IDENTITY_JWKS_FILE: bad }),
      /is not a JWKS/,
    );
  });
});
