import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { startIdentityProvider, type IdentityProvider } from './index.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('identity provider simulator (OIDC discovery and RFC 8628 device grant)', () => {
  let idp: IdentityProvider;
  before(async () => {
    idp = await startIdentityProvider({ intervalSeconds: 1 });
  });
  after(() => idp.close());

  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${idp.issuer}${path}`, { method: 'POST', body: new URLSearchParams(fields) });
  const token = async (deviceCode: string, clientId = 'revoker') => {
    const response = await form('/oauth/token', {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: clientId,
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const start = async () => {
    const response = await form('/oauth/device_authorization', { client_id: 'revoker', scope: 'openid email' });
    assert.equal(response.status, 200);
    return (await response.json()) as { device_code: string; user_code: string; interval: number };
  };

  it('discovers its endpoints under its own issuer', async () => {
    const config = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(config.issuer, idp.issuer);
    assert.equal(config.device_authorization_endpoint, `${idp.issuer}/oauth/device_authorization`);
    assert.deepEqual(await (await fetch(idp.jwksUrl)).json(), idp.jwks);
  });

  it('answers pending, then slow_down for a poll faster than the interval, then the ID token once', async () => {
    const device = await start();
    assert.match(device.user_code, /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    assert.deepEqual((await token(device.device_code)).body.error, 'authorization_pending');
    assert.deepEqual((await token(device.device_code)).body.error, 'slow_down');
    // The person types the code in lower case, without its hyphen.
    const page = await form('/device', {
      user_code: device.user_code.replace('-', '').toLowerCase(),
      email: 'sam@example.com',
      decision: 'approve',
    });
    assert.match(await page.text(), /signed in as sam@example.com/);
    await new Promise((resolve) => setTimeout(resolve, 6_100));
    const granted = await token(device.device_code);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const claims = decodeJwt(granted.body.id_token ?? '');
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, 'revoker');
    assert.equal(claims.email, 'sam@example.com');
    assert.equal((await token(device.device_code)).body.error, 'invalid_grant', 'a device code is used once');
  });

  it('refuses an unknown client, a wrong grant, an unknown code, and escapes what the page echoes', async () => {
    const unknownClient = await form('/oauth/device_authorization', { client_id: 'evil', scope: 'openid' });
    assert.equal(unknownClient.status, 401);
    assert.equal(((await unknownClient.json()) as { error: string }).error, 'invalid_client');
    const grant = await form('/oauth/token', { grant_type: 'password', client_id: 'revoker' });
    assert.equal(((await grant.json()) as { error: string }).error, 'unsupported_grant_type');
    assert.equal((await token('nope')).body.error, 'invalid_grant');
    const page = await form('/device', { user_code: '<script>x</script>', email: 'a@b', decision: 'approve' });
    assert.equal(page.status, 400);
    const html = await page.text();
    assert.ok(!html.includes('<script>x'), html);
    assert.match(html, /not known, or has expired/);
  });
});
