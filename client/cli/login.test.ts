import { Hono } from 'hono';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { startIdentityProvider, type IdentityProvider } from '../../simulators/identity/index.js';
import { identityVerifier, type IdentityVerifier } from '../approval-links/identity-token.js';
import type { LinkPlaybooks } from '../approval-links/link-playbooks.js';
import { createLinkRoutes } from '../approval-links/link-routes.js';
import type { CliError } from './cli-error.js';
import { login, readSignIn, signInPath } from './login.js';
import { runCli } from './program.js';

const SERVER = 'http://revoker.test';
// Only `/links/identity` is exercised here: no decision reaches the playbooks.
const NO_PLAYBOOKS = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) }) as LinkPlaybooks;

/** Revoker's server's link routes, trusting `identity`, answering the CLI's requests in process. */
function serverFetch(identity?: IdentityVerifier): typeof fetch {
  const app = new Hono().route(
    '/links',
    createLinkRoutes({ secrets: ['s'.repeat(32)], playbooks: NO_PLAYBOOKS, ...(identity ? { identity } : {}) }),
  );
  return ((url: string, init?: RequestInit) => app.request(url, init)) as typeof fetch;
}

/** What a person does on the provider's page: sign in as `email`, or deny. */
async function finish(idp: IdentityProvider, text: string, email: string, decision = 'approve') {
  const code = /the code (\S+)\./.exec(text)?.[1] ?? '';
  const response = await fetch(`${idp.issuer}/device`, {
    method: 'POST',
    body: new URLSearchParams({ user_code: code, email, decision }),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('revoker login (device authorization grant)', () => {
  let idp: IdentityProvider;
  let dir: string;
  before(async () => {
    idp = await startIdentityProvider({ intervalSeconds: 1 });
    dir = mkdtempSync(join(tmpdir(), 'revoker-login-test-'));
  });
  after(async () => {
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const trusting = () => identityVerifier({ issuer: idp.issuer, audience: idp.audience, keys: idp.jwks });

  /** `login` with the person acting on the page as soon as the CLI shows the code. */
  async function signIn(path: string, email: string, options: { decision?: string; identity?: IdentityVerifier } = {}) {
    const said: string[] = [];
    return login({
      server: SERVER,
      path,
      program: 'revoker',
      fetch: serverFetch(options.identity ?? trusting()),
      say: (text) => {
        said.push(text);
        if (text.includes('shows the code')) void finish(idp, said.join('\n'), email, options.decision);
      },
    });
  }

  it('keeps the ID token of the person who signed in, for its owner alone, once the server accepts it', async () => {
    const path = join(dir, 'a', 'identity.json');
    const kept = await signIn(path, 'Kim@Example.com');
    assert.equal(kept.identity, 'Kim@Example.com');
    assert.equal(kept.issuer, idp.issuer);
    assert.ok(Date.parse(kept.expiresAt) > Date.now() + 50 * 60_000, 'an hour-long ID token');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readSignIn(path, 'revoker'), kept);
  });

  it('keeps nothing when the sign-in is denied, or the server refuses the token', async () => {
    const denied = join(dir, 'denied.json');
    await assert.rejects(signIn(denied, 'kim@example.com', { decision: 'deny' }), (e: CliError) => {
      assert.match(e.message, /the sign-in was denied at http/);
      return e.exitCode === 1;
    });
    assert.equal(existsSync(denied), false);

    // A server that holds other keys for this issuer: the CLI says so instead of keeping a useless token.
    const { publicKey } = await generateKeyPair('ES256');
    const otherKeys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'other', alg: 'ES256' }] };
    const refused = join(dir, 'refused.json');
    await assert.rejects(
      signIn(refused, 'kim@example.com', {
        identity: identityVerifier({ issuer: idp.issuer, audience: idp.audience, keys: otherKeys }),
      }),
      /refuses the token you signed in with: the identity token is not valid/,
    );
    assert.equal(existsSync(refused), false);
  });

  it('says what to do when the code expires, or the server takes no identity tokens', async () => {
    const short = await startIdentityProvider({ intervalSeconds: 1, expiresInSeconds: 2 });
    try {
      const identity = identityVerifier({ issuer: short.issuer, audience: short.audience, keys: short.jwks });
      await assert.rejects(
        login({
          server: SERVER,
          path: join(dir, 'x.json'),
          program: 'revoker',
          fetch: serverFetch(identity),
          say: () => {},
        }),
        /the code expired before you signed in: run `revoker login` again/,
      );
    } finally {
      await short.close();
    }
    await assert.rejects(
      login({ server: SERVER, path: join(dir, 'y.json'), program: 'revoker', fetch: serverFetch(), say: () => {} }),
      /takes no identity tokens: its operator sets REVOKER_IDENTITY_ISSUER/,
    );
  });

  it('refuses an issuer that is neither https nor on this machine', async () => {
    const fetchIssuer = ((url: string) =>
      Promise.resolve(
        url.endsWith('/links/identity')
          ? Response.json({ issuer: 'http://login.example.com', audience: 'revoker' })
          : Response.error(),
      )) as typeof fetch;
    await assert.rejects(
      login({ server: SERVER, path: join(dir, 'z.json'), program: 'revoker', fetch: fetchIssuer, say: () => {} }),
      /is not https: tokens would cross the network in clear/,
    );
  });

  it('the CLI decides with a kept sign-in until it expires, then says to sign in again', async () => {
    const path = join(dir, 'expired.json');
    const kept = {
      version: 1,
      server: SERVER,
      issuer: idp.issuer,
      identity: 'kim@example.com',
      idToken: await idp.issue('kim@example.com', { expiresIn: '1s' }),
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    };
    writeFileSync(path, JSON.stringify(kept));
    const err: string[] = [];
    const run = (args: string[]) =>
      runCli(args, {
        connect: () => Promise.reject(new Error('not reached')),
        stdout: (text) => err.push(text),
        stderr: (text) => err.push(text),
        env: { REVOKER_IDENTITY_CACHE: path },
      });
    assert.equal(await run(['approve', 'contain/p.x', '--all']), 2);
    assert.match(err.join(''), /your sign-in as kim@example.com expired at .*: run `revoker login` again/);
    err.length = 0;
    assert.equal(await run(['whoami']), 1, 'nobody decides: the sign-in expired and no name is configured');
    assert.match(err.join(''), /^nobody: who decides\? .*`revoker login`.* \(your sign-in as kim@example.com expired/);

    writeFileSync(path, '{"version": 1, "server": ');
    err.length = 0;
    assert.equal(await run(['approve', 'contain/p.x', '--all']), 2);
    assert.match(err.join(''), /is damaged: run `revoker login` again/);
  });

  it('keeps the sign-in under REVOKER_IDENTITY_CACHE, XDG_CONFIG_HOME or HOME, and nowhere without them', () => {
    assert.equal(signInPath({ REVOKER_IDENTITY_CACHE: '/x/i.json', HOME: '/h' }), '/x/i.json');
    assert.equal(signInPath({ XDG_CONFIG_HOME: '/c', HOME: '/h' }), '/c/revoker/identity.json');
    assert.equal(signInPath({ HOME: '/h' }), '/h/.config/revoker/identity.json');
    assert.equal(signInPath({}), undefined);
  });
});
