import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { issueAppToken, tokenIssuer, verifyAccessToken } from './access-tokens.js';
import { newSigningKey } from './signing-key.js';
import { DEFAULT_SEED_PATH } from './server.js';
import { loadEntraSeed } from './seed.js';
import { stateFromSeed } from './state.js';

const key = newSigningKey();
const state = stateFromSeed(loadEntraSeed(DEFAULT_SEED_PATH));
const tenantId = state.tenant.id;
const client = [...state.servicePrincipals.values()][0];
if (!client) throw new Error('fixture has no service principal');

const craft = (claims: Record<string, unknown>, signingKey = key) =>
  new SignJWT({ oid: client.id, appid: client.appId, tid: tenantId, iss: tokenIssuer(tenantId), ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(signingKey.privateKey);

describe('access token validation (Graph side)', () => {
  it('accepts its own app token and reads roles', async () => {
    const { accessToken } = await issueAppToken({
      key,
      tenantId,
      client,
      now: new Date(),
      roles: ['User.Read.All'],
      authMethod: 'secret',
    });
    const check = await verifyAccessToken(accessToken, key, tenantId, new Date());
    assert.ok(check.ok);
    assert.deepEqual(check.claims.roles, ['User.Read.All']);
    assert.equal(check.claims.idtyp, 'app');
  });

  it('words failures like Graph: audience, issuer, signature, lifetime', async () => {
    const cases: [string, RegExp][] = [
      [await craft({ aud: 'https://management.azure.com' }), /Invalid audience/],
      [await craft({ aud: 'https://graph.microsoft.com', iss: 'https://sts.windows.net/other/' }), /Invalid issuer/],
      [await craft({ aud: 'https://graph.microsoft.com' }, newSigningKey()), /^Access token validation failure\.$/],
    ];
    for (const [token, message] of cases) {
      const check = await verifyAccessToken(token, key, tenantId, new Date());
      assert.equal(check.ok, false);
      if (!check.ok) assert.match(check.message, message);
    }
    const { accessToken } = await issueAppToken({
      key,
      tenantId,
      client,
      now: new Date(),
      roles: [],
      authMethod: 'secret',
    });
    const late = await verifyAccessToken(accessToken, key, tenantId, new Date(Date.now() + 3599_000 + 301_000));
    assert.equal(late.ok, false);
    const withinSkew = await verifyAccessToken(accessToken, key, tenantId, new Date(Date.now() + 3599_000 + 200_000));
    assert.equal(withinSkew.ok, true);
  });
});
