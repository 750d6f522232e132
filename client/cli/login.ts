import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { CliError, EXIT } from './cli-error.js';

/**
 * `revoker login`: the OAuth 2.0 Device Authorization Grant (RFC 8628) against the identity provider
 * Revoker's server trusts. The person signs in on a page of their IdP, in any browser; the CLI keeps
 * the ID token it gets (readable by its user alone) and decides as that person through the server,
 * which verifies the token on every decision. Automation sets REVOKER_IDENTITY_TOKEN instead.
 */
export interface SignIn {
  /** Revoker's server the token is for, which verifies it (REVOKER_PUBLIC_URL). */
  server: string;
  issuer: string;
  /** Who the token names, as the server records decisions. */
  identity: string;
  idToken: string;
  expiresAt: string;
}

const SignInFile = z.object({
  version: z.literal(1),
  server: z.url(),
  issuer: z.url(),
  identity: z.string().min(1),
  idToken: z.string().min(1),
  expiresAt: z.iso.datetime(),
});
const ServerIdentity = z.object({ issuer: z.url(), audience: z.string().min(1) });
const ServerAnswer = z.looseObject({ identity: z.string().optional(), error: z.string().optional() });
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Where the sign-in is kept: REVOKER_IDENTITY_CACHE, else `$XDG_CONFIG_HOME/revoker/identity.json`,
 * else `$HOME/.config/revoker/identity.json`; nowhere for an environment with none of them.
 */
export function signInPath(env: Record<string, string | undefined>): string | undefined {
  const explicit = env.REVOKER_IDENTITY_CACHE?.trim();
  if (explicit) return explicit;
  const config = env.XDG_CONFIG_HOME?.trim() || (env.HOME?.trim() ? join(env.HOME.trim(), '.config') : undefined);
  return config ? join(config, 'revoker', 'identity.json') : undefined;
}

/** The kept sign-in, or undefined when there is none. */
export function readSignIn(path: string | undefined, program: string): SignIn | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read your sign-in ${path}: ${(error as Error).message}`, EXIT.usage, 'usage');
  }
  let parsed: ReturnType<typeof SignInFile.safeParse>;
  try {
    parsed = SignInFile.safeParse(JSON.parse(text));
  } catch {
    parsed = SignInFile.safeParse(undefined);
  }
  if (!parsed.success) {
    throw new CliError(`your sign-in ${path} is damaged: run \`${program} login\` again`, EXIT.usage, 'usage');
  }
  const { server, issuer, identity, idToken, expiresAt } = parsed.data;
  return { server, issuer, identity, idToken, expiresAt };
}

/** Removes the kept sign-in; false when there was none. */
export function forgetSignIn(path: string | undefined): boolean {
  if (!path) return false;
  try {
    rmSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot remove your sign-in ${path}: ${(error as Error).message}`, EXIT.usage, 'usage');
  }
}

export interface LoginOptions {
  /** Revoker's server: it names the issuer, and checks the token before it is kept. */
  server: string;
  path: string;
  program: string;
  /** Instructions and progress for the person at the terminal (stderr). */
  say(text: string): void;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** Signs the person in with the device grant, checks Revoker's server takes the token, and keeps it. */
export async function login(options: LoginOptions): Promise<SignIn> {
  const server = options.server.replace(/\/+$/, '');
  const get = options.fetch ?? fetch;
  const { issuer, audience } = await trustedIssuer(server, get);
  const issuerUrl = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuerUrl.hostname);
  if (issuerUrl.protocol !== 'https:' && !loopback) {
    throw new CliError(`the identity issuer ${issuer} is not https: tokens would cross the network in clear`);
  }
  const failure = oauthFailure(issuer, options.program);
  let config: oidc.Configuration;
  try {
    // Plain http only on this machine (a sandbox provider); everywhere else the library insists on https.
    config = await oidc.discovery(issuerUrl, audience, undefined, oidc.None(), {
      execute: loopback && issuerUrl.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: REQUEST_TIMEOUT_MS / 1000,
    });
  } catch (error) {
    throw failure(error, 'discover');
  }
  let device: oidc.DeviceAuthorizationResponse;
  try {
    device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email' });
  } catch (error) {
    throw failure(error, 'start the sign-in at');
  }
  const shownAt = Date.now();
  const minutes = Math.max(1, Math.round(device.expires_in / 60));
  options.say(`To sign in to Revoker, open ${device.verification_uri_complete ?? device.verification_uri}`);
  options.say(`and check that it shows the code ${device.user_code}.`);
  options.say(`Waiting for you to sign in (the code lasts ${minutes} min)…`);
  let tokens: Awaited<ReturnType<typeof oidc.pollDeviceAuthorizationGrant>>;
  try {
    tokens = await oidc.pollDeviceAuthorizationGrant(config, device, undefined, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // The library stops polling when the code expires, with a timeout of its own.
    const expired = Date.now() >= shownAt + device.expires_in * 1000 - 1000;
    throw expired && !(error instanceof oidc.ResponseBodyError)
      ? new CliError(`the code expired before you signed in: run \`${options.program} login\` again`)
      : failure(error, 'sign you in at');
  }
  const idToken = tokens.id_token;
  const claims = tokens.claims();
  if (!idToken || !claims) throw new CliError(`${issuer} signed you in but sent no ID token: ask for the openid scope`);
  const identity = await serverIdentity(server, idToken, get);
  const signIn: SignIn = { server, issuer, identity, idToken, expiresAt: new Date(claims.exp * 1000).toISOString() };
  mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  writeFileSync(options.path, `${JSON.stringify({ version: 1, ...signIn }, null, 2)}\n`, { mode: 0o600 });
  return signIn;
}

async function request(url: string, get: typeof fetch, token?: string): Promise<Response> {
  try {
    return await get(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError(
      `cannot reach Revoker's server at ${url.replace(/\/links\/identity$/, '')}: ${(error as Error).name}`,
      EXIT.usage,
      'unreachable',
    );
  }
}

/** The issuer the server takes identity tokens from (`GET /links/identity`). */
async function trustedIssuer(server: string, get: typeof fetch): Promise<z.infer<typeof ServerIdentity>> {
  const response = await request(`${server}/links/identity`, get);
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 404) {
    throw new CliError(
      `Revoker's server at ${server} takes no identity tokens: its operator sets REVOKER_IDENTITY_ISSUER`,
      EXIT.usage,
      'usage',
    );
  }
  const parsed = ServerIdentity.safeParse(body);
  if (!response.ok || !parsed.success) {
    throw new CliError(`Revoker's server at ${server} did not say which identity provider it trusts`);
  }
  return parsed.data;
}

/** Who the server says the token names: a token it would refuse is never kept. */
async function serverIdentity(server: string, token: string, get: typeof fetch): Promise<string> {
  const response = await request(`${server}/links/identity`, get, token);
  const answer = ServerAnswer.safeParse(await response.json().catch(() => undefined));
  if (response.ok && answer.success && answer.data.identity) return answer.data.identity;
  const why = (answer.success && answer.data.error) || `HTTP ${response.status}`;
  throw new CliError(`Revoker's server at ${server} refuses the token you signed in with: ${why}`, EXIT.usage, 'usage');
}

/** An OAuth error as what the person should do. */
function oauthFailure(issuer: string, program: string) {
  return (error: unknown, step: string): CliError => {
    const again = `run \`${program} login\` again`;
    if (error instanceof oidc.ResponseBodyError) {
      if (error.error === 'access_denied') return new CliError(`the sign-in was denied at ${issuer}`, EXIT.refused);
      if (error.error === 'expired_token') return new CliError(`the code expired before you signed in: ${again}`);
      return new CliError(
        `${issuer} refused to ${step.split(' ')[0]} (${error.error}): ${error.error_description ?? again}`,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new CliError(`cannot ${step} the identity provider ${issuer}: ${message}`, EXIT.usage, 'unreachable');
  };
}
