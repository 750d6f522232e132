import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenID Connect provider for the sandbox: discovery, its signing keys, and the OAuth 2.0 Device
 * Authorization Grant (RFC 8628) that `revoker login` uses, with a sign-in page. It signs in whoever
 * the page is given (there are no passwords here); a deployment points Revoker at its own IdP.
 */
export interface IdentityProvider {
  /** `iss` of its tokens, and the base of its endpoints (discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  /** The client id its ID tokens name in `aud`, which Revoker's server requires (REVOKER_IDENTITY_AUDIENCE). */
  audience: string;
  /** Its public keys, as REVOKER_IDENTITY_JWKS_FILE holds them (also served at `jwksUrl`). */
  jwks: JSONWebKeySet;
  jwksUrl: string;
  /** An identity token for `email`, as automation would mint into REVOKER_IDENTITY_TOKEN (default: 5 minutes). */
  issue(email: string, options?: { expiresIn?: string }): Promise<string>;
  /** Device-grant requests seen, to check a client's polling. */
  tokenRequests(): number;
  close(): Promise<void>;
}

export interface IdentityProviderOptions {
  port?: number;
  host?: string;
  clientId?: string;
  /** The polling interval it asks for (RFC 8628 default: 5 s); faster polls get `slow_down`. */
  intervalSeconds?: number;
  /** How long a device code stays valid. */
  expiresInSeconds?: number;
  /** How long its ID tokens last. */
  idTokenTtl?: string;
  unref?: boolean;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
// RFC 8628 §6.1: consonants only, so no code spells a word, and no 0/O or 1/I to misread.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const MAX_BODY = 16_384;

interface Pending {
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  intervalMs: number;
  lastPollAt?: number;
  outcome?: { email: string } | 'denied';
}

const userCode = () => {
  const chars = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
};
const normalisedCode = (code: string) => code.toUpperCase().replace(/[^A-Z]/g, '');
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<IdentityProvider> {
  const clientId = options.clientId ?? 'revoker';
  const intervalSeconds = options.intervalSeconds ?? 5;
  const expiresInSeconds = options.expiresInSeconds ?? 600;
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = `sandbox-${randomBytes(4).toString('hex')}`;
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const pending = new Map<string, Pending>();
  let issuer = '';
  let polls = 0;

  const sign = (email: string, expiresIn: string) =>
    new SignJWT({ email, email_verified: true })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(clientId)
      .setSubject(`sandbox|${email.toLowerCase()}`)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(privateKey);

  const byUserCode = (code: string) => {
    const wanted = normalisedCode(code);
    return [...pending.values()].find((p) => normalisedCode(p.userCode) === wanted && p.expiresAt > Date.now());
  };

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
      .end(JSON.stringify(body));
  const oauthError = (response: ServerResponse, status: number, error: string, description: string) =>
    json(response, status, { error, error_description: description });
  const page = (response: ServerResponse, status: number, title: string, body: string) =>
    response
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
          `<body style="font-family:system-ui;max-width:32rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${body}` +
          `<p><small>Sandbox identity provider: it signs in whoever you name. A deployment uses its own.</small></p>` +
          `</body></html>`,
      );
  const signInForm = (code: string, problem?: string) =>
    `${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}` +
    `<form method="post" action="/device"><p><label>Code shown by <code>revoker login</code><br>` +
    `<input name="user_code" value="${escapeHtml(code)}" autocomplete="off" required></label></p>` +
    `<p><label>Your email<br><input name="email" type="email" required></label></p>` +
    `<p><button name="decision" value="approve">Sign in to Revoker</button> ` +
    `<button name="decision" value="deny">Deny</button></p></form>`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
    const url = new URL(request.url ?? '/', issuer);
    const form = request.method === 'POST' ? new URLSearchParams(await body(request)) : new URLSearchParams();
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(response, 200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        token_endpoint: `${issuer}/oauth/token`,
        device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
        authorization_endpoint: `${issuer}/device`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        grant_types_supported: [DEVICE_GRANT],
        token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['openid', 'email'],
        claims_supported: ['sub', 'email', 'email_verified'],
      });
    }
    if (request.method === 'GET' && url.pathname === '/jwks') return json(response, 200, jwks);
    if (request.method === 'POST' && url.pathname === '/oauth/device_authorization') {
      if (form.get('client_id') !== clientId) {
        return oauthError(response, 401, 'invalid_client', `unknown client_id; this provider knows "${clientId}"`);
      }
      if (!(form.get('scope') ?? '').split(' ').includes('openid')) {
        return oauthError(response, 400, 'invalid_scope', 'an ID token needs the openid scope');
      }
      const entry: Pending = {
        deviceCode: randomBytes(24).toString('base64url'),
        userCode: userCode(),
        clientId,
        expiresAt: Date.now() + expiresInSeconds * 1000,
        intervalMs: intervalSeconds * 1000,
      };
      pending.set(entry.deviceCode, entry);
      return json(response, 200, {
        device_code: entry.deviceCode,
        user_code: entry.userCode,
        verification_uri: `${issuer}/device`,
        verification_uri_complete: `${issuer}/device?user_code=${entry.userCode}`,
        expires_in: expiresInSeconds,
        interval: intervalSeconds,
      });
    }
    if (request.method === 'POST' && url.pathname === '/oauth/token') {
      if (form.get('grant_type') !== DEVICE_GRANT) {
        return oauthError(response, 400, 'unsupported_grant_type', `this provider grants ${DEVICE_GRANT} only`);
      }
      if (form.get('client_id') !== clientId) return oauthError(response, 401, 'invalid_client', 'unknown client_id');
      polls += 1;
      const entry = pending.get(form.get('device_code') ?? '');
      if (!entry) return oauthError(response, 400, 'invalid_grant', 'unknown or already used device_code');
      if (entry.expiresAt <= Date.now()) {
        pending.delete(entry.deviceCode);
        return oauthError(response, 400, 'expired_token', 'the device code expired before anyone signed in');
      }
      const now = Date.now();
      const tooSoon = entry.lastPollAt !== undefined && now - entry.lastPollAt < entry.intervalMs - 250;
      entry.lastPollAt = now;
      if (entry.outcome === 'denied') {
        pending.delete(entry.deviceCode);
        return oauthError(response, 400, 'access_denied', 'the sign-in was denied');
      }
      if (!entry.outcome) {
        if (tooSoon) {
          entry.intervalMs += 5_000;
          return oauthError(response, 400, 'slow_down', 'polled faster than the interval');
        }
        return oauthError(response, 400, 'authorization_pending', 'nobody has signed in with this code yet');
      }
      pending.delete(entry.deviceCode);
      const ttl = options.idTokenTtl ?? '1h';
      const idToken = await sign(entry.outcome.email, ttl);
      return json(response, 200, {
        access_token: randomBytes(24).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid email',
        id_token: idToken,
      });
    }
    if (request.method === 'GET' && url.pathname === '/device') {
      return page(response, 200, 'Sign in to Revoker', signInForm(url.searchParams.get('user_code') ?? ''));
    }
    if (request.method === 'POST' && url.pathname === '/device') {
      const code = form.get('user_code') ?? '';
      const entry = byUserCode(code);
      if (!entry || entry.outcome) {
        return page(response, 400, 'Sign in to Revoker', signInForm(code, 'That code is not known, or has expired.'));
      }
      if (form.get('decision') === 'deny') {
        entry.outcome = 'denied';
        return page(response, 200, 'Sign-in denied', '<p>The terminal that asked is told so.</p>');
      }
      const email = (form.get('email') ?? '').trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email) || email.length > 128) {
        return page(response, 400, 'Sign in to Revoker', signInForm(code, 'Give the email you decide as.'));
      }
      entry.outcome = { email };
      return page(
        response,
        200,
        'Signed in',
        `<p>You are signed in as ${escapeHtml(email)}. Go back to your terminal.</p>`,
      );
    }
    return json(response, 404, { error: 'not_found' });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) oauthError(response, 400, 'invalid_request', (error as Error).message);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  if (options.unref) server.unref();
  const { port } = server.address() as AddressInfo;
  issuer = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    issuer,
    audience: clientId,
    jwks,
    jwksUrl: `${issuer}/jwks`,
    issue: (email, issueOptions = {}) => sign(email, issueOptions.expiresIn ?? '5m'),
    tokenRequests: () => polls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The form body, refused past MAX_BODY bytes. */
function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('the request body is too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
