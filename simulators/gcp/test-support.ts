import { auth, iam, type iam_v1 } from '@googleapis/iam';
import { logging, type logging_v2 } from '@googleapis/logging';
import { cloudresourcemanager, type cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import { keyFileOf, type GcpKeyFile } from './key-file.js';
import { loadGcpSeed } from './seed.js';
import { DEFAULT_SEED_PATH, organisationSeeds, type GcpSimulator } from './server.js';

/** Test-only helpers: fixture key files and IAM clients built exactly as the worker builds its own. */

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
export const SEED = loadGcpSeed(DEFAULT_SEED_PATH);
export const keyFile = (key: string): GcpKeyFile => keyFileOf(SEED, key);
/** The sandbox organisation's other projects and hierarchy: `startGcpSimulator({ ...ORGANISATION })`. */
export const ORGANISATION = organisationSeeds();
/** A key file from any project of the sandbox organisation (acme-prod, acme-data, acme-lab). */
export const orgKeyFile = (key: string): GcpKeyFile => keyFileOf([SEED, ...ORGANISATION.projects], key);

export interface ClientOptions {
  scopes?: string[];
  /** gaxios retries GET/PUT/DELETE/HEAD/OPTIONS on 429 and 5xx by default; off unless a test wants to show it. */
  retry?: boolean;
}

/**
 * A self-signed-JWT client: google-auth-library signs each request with the key file's private key and never
 * calls a token endpoint. `useJWTAccessWithScope` is a public property, not a constructor option (neither
 * `JWT` nor `GoogleAuth`'s `clientOptions` read it), and must be set before the first request.
 */
export function iamClient(sim: GcpSimulator, credentials: GcpKeyFile, options: ClientOptions = {}): iam_v1.Iam {
  const googleAuth = new auth.GoogleAuth({ credentials, scopes: options.scopes ?? [CLOUD_PLATFORM] });
  googleAuth.useJWTAccessWithScope = true;
  return iam({ version: 'v1', auth: googleAuth, rootUrl: sim.rootUrl, retry: options.retry ?? false });
}

/** A Cloud Logging v2 client, built as the worker builds its own (self-signed JWTs, `rootUrl`, no retries). */
export function loggingClient(
  sim: GcpSimulator,
  credentials: GcpKeyFile,
  options: ClientOptions = {},
): logging_v2.Logging {
  const googleAuth = new auth.GoogleAuth({ credentials, scopes: options.scopes ?? [CLOUD_PLATFORM] });
  googleAuth.useJWTAccessWithScope = true;
  return logging({ version: 'v2', auth: googleAuth, rootUrl: sim.rootUrl, retry: options.retry ?? false });
}

/** A Resource Manager v3 client, built as the worker builds its own (self-signed JWTs, `rootUrl`, no retries). */
export function resourceManagerClient(
  sim: GcpSimulator,
  credentials: GcpKeyFile,
  options: ClientOptions = {},
): cloudresourcemanager_v3.Cloudresourcemanager {
  const googleAuth = new auth.GoogleAuth({ credentials, scopes: options.scopes ?? [CLOUD_PLATFORM] });
  googleAuth.useJWTAccessWithScope = true;
  return cloudresourcemanager({ version: 'v3', auth: googleAuth, rootUrl: sim.rootUrl, retry: options.retry ?? false });
}

interface GaxiosLikeError {
  status?: number;
  message?: string;
  response?: { status: number; data?: unknown; headers: Headers };
}

export interface GoogleErrorExpectation {
  message?: RegExp;
  /** The simulator's `x-sim-auth-failure` header (why a token was refused). */
  authFailure?: string;
  retryAfter?: string;
}

/** assert.rejects predicate for a Google JSON error with this HTTP code and canonical status. */
export function googleError(code: number, status: string, expected: GoogleErrorExpectation = {}) {
  return (error: unknown): boolean => {
    const e = error as GaxiosLikeError;
    const body = e.response?.data as { error?: { code?: number; status?: string; message?: string } } | undefined;
    const seen = `HTTP ${String(e.response?.status)} ${String(body?.error?.status)}: ${String(body?.error?.message ?? e.message)}`;
    if (e.response?.status !== code || body?.error?.code !== code || body.error.status !== status) {
      throw new Error(`expected HTTP ${code} ${status}, got ${seen}`);
    }
    if (expected.message && !expected.message.test(body.error.message ?? '')) {
      throw new Error(`message does not match ${String(expected.message)}: ${seen}`);
    }
    const header = (name: string) => e.response?.headers.get(name) ?? undefined;
    if (expected.authFailure !== undefined && header('x-sim-auth-failure') !== expected.authFailure) {
      throw new Error(`expected auth failure ${expected.authFailure}, got ${String(header('x-sim-auth-failure'))}`);
    }
    if (expected.retryAfter !== undefined && header('retry-after') !== expected.retryAfter) {
      throw new Error(`expected Retry-After ${expected.retryAfter}, got ${String(header('retry-after'))}`);
    }
    return true;
  };
}
