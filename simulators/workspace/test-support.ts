import { admin, auth, type admin_directory_v1 } from '@googleapis/admin';
import { keyFileOf, type WorkspaceKeyFile } from './key-file.js';
import { WORKSPACE_SANDBOX } from './sandbox.js';
import { loadWorkspaceSeed } from './seed.js';
import { DEFAULT_SEED_PATH, type WorkspaceSimulator } from './server.js';

/** Test-only helpers: the fixture key file, and Directory clients built exactly as the worker builds its own. */

export const SEED = loadWorkspaceSeed(DEFAULT_SEED_PATH);
export const KEY_FILE: WorkspaceKeyFile = keyFileOf(SEED);
export const GOOGLE_TOKEN_URL = WORKSPACE_SANDBOX.googleTokenUrl;

type Jwt = InstanceType<typeof auth.JWT>;

/**
 * Sends google-auth-library's token request to `tokenUrl` instead of Google's. The JWT client posts its assertion
 * to https://oauth2.googleapis.com/token whatever the key file's `token_uri` says (gtoken's constant), through the
 * client's own `transporter` (a Gaxios instance), which also carries the API calls; so a request interceptor on
 * it rewrites that one URL and leaves everything else alone. The assertion's `aud` stays Google's URL, which is
 * what the simulator (like Google) checks.
 */
export function redirectTokenUrl(client: Jwt, tokenUrl: string): void {
  client.transporter.interceptors.request.add({
    resolved: (config) => {
      if (config.url.toString() === GOOGLE_TOKEN_URL) config.url = new URL(tokenUrl);
      return Promise.resolve(config);
    },
  });
}

export interface ClientOptions {
  /** Default: both delegated scopes (admin.directory.user and .user.security). */
  scopes?: readonly string[];
  /** The user to impersonate; default the sandbox admin. `null`: none (the service account itself). */
  subject?: string | null;
  keyFile?: WorkspaceKeyFile;
  /** gaxios retries GET/PUT/DELETE on 429 and 5xx by default; off unless a test wants to show it. */
  retry?: boolean;
}

/** The delegated credential: a JWT client signing with the key file, impersonating `subject`. */
export function delegatedAuth(sim: WorkspaceSimulator, options: ClientOptions = {}): Jwt {
  const keyFile = options.keyFile ?? KEY_FILE;
  const subject = options.subject === undefined ? WORKSPACE_SANDBOX.admin.email : options.subject;
  const client = new auth.JWT({
    email: keyFile.client_email,
    key: keyFile.private_key,
    keyId: keyFile.private_key_id,
    scopes: [...(options.scopes ?? WORKSPACE_SANDBOX.delegatedScopes)],
    ...(subject === null ? {} : { subject }),
  });
  redirectTokenUrl(client, sim.tokenUrl);
  return client;
}

export function directoryClient(sim: WorkspaceSimulator, options: ClientOptions = {}): admin_directory_v1.Admin {
  return admin({
    version: 'directory_v1',
    auth: delegatedAuth(sim, options),
    rootUrl: sim.rootUrl,
    retry: options.retry ?? false,
  });
}

/** What the malicious (or any) app does with a user's token: read the Gmail profile. */
export async function gmailProfile(
  sim: WorkspaceSimulator,
  token: string,
): Promise<{ status: number; body: unknown; authFailure: string | null }> {
  const response = await fetch(new URL('gmail/v1/users/me/profile', sim.rootUrl), {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    body: await response.json(),
    authFailure: response.headers.get('x-sim-auth-failure'),
  };
}

interface GaxiosLikeError {
  status?: number;
  message?: string;
  response?: { status: number; data?: unknown; headers: Headers };
}

export interface GoogleErrorExpectation {
  message?: RegExp;
  status?: string;
  /** The simulator's `x-sim-auth-failure` header (why a token was refused). */
  authFailure?: string;
  /** `null`: no Retry-After header at all. */
  retryAfter?: string | null;
}

/** assert.rejects predicate for a Google JSON error with this HTTP code and legacy `errors[0].reason`. */
export function googleError(code: number, reason: string, expected: GoogleErrorExpectation = {}) {
  return (error: unknown): boolean => {
    const e = error as GaxiosLikeError;
    const body = e.response?.data as
      { error?: { code?: number; status?: string; message?: string; errors?: { reason?: string }[] } } | undefined;
    const seen = `HTTP ${String(e.response?.status)} ${String(body?.error?.errors?.[0]?.reason)}: ${String(body?.error?.message ?? e.message)}`;
    if (e.response?.status !== code || body?.error?.code !== code || body.error.errors?.[0]?.reason !== reason) {
      throw new Error(`expected HTTP ${code} ${reason}, got ${seen}`);
    }
    if (expected.status !== undefined && body.error.status !== expected.status) {
      throw new Error(`expected status ${expected.status}, got ${String(body.error.status)}: ${seen}`);
    }
    if (expected.message && !expected.message.test(body.error.message ?? '')) {
      throw new Error(`message does not match ${String(expected.message)}: ${seen}`);
    }
    const header = (name: string) => e.response?.headers.get(name) ?? null;
    if (expected.authFailure !== undefined && header('x-sim-auth-failure') !== expected.authFailure) {
      throw new Error(`expected auth failure ${expected.authFailure}, got ${String(header('x-sim-auth-failure'))}`);
    }
    if (expected.retryAfter !== undefined && header('retry-after') !== expected.retryAfter) {
      throw new Error(`expected Retry-After ${String(expected.retryAfter)}, got ${String(header('retry-after'))}`);
    }
    return true;
  };
}

/** assert.rejects predicate for a token endpoint refusal, as google-auth-library surfaces it. */
export function oauthError(httpStatus: number, code: string, authFailure?: string) {
  return (error: unknown): boolean => {
    const e = error as GaxiosLikeError;
    const body = e.response?.data as { error?: string; error_description?: string } | undefined;
    if (e.response?.status !== httpStatus || body?.error !== code) {
      throw new Error(
        `expected HTTP ${httpStatus} ${code}, got ${String(e.response?.status)} ${String(body?.error)}: ${String(e.message)}`,
      );
    }
    const failure = e.response.headers.get('x-sim-auth-failure');
    if (authFailure !== undefined && failure !== authFailure) {
      throw new Error(`expected auth failure ${authFailure}, got ${String(failure)}`);
    }
    return true;
  };
}
