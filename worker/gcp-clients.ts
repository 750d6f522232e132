import { auth, iam } from '@googleapis/iam';
import type { GcpActivityDeps } from '../activities/gcp.js';

export interface GcpClientOptions {
  /** The IAM API root (the sandbox simulator); real Google needs none. */
  rootUrl?: string;
  /** Each call's limit (REVOKER_GCP_REQUEST_TIMEOUT_MS); a hung call fails retryably after it. */
  requestTimeoutMs?: number;
}

/** Longer than any IAM call should take, well under the activity's start-to-close timeout. */
export const DEFAULT_GCP_REQUEST_TIMEOUT_MS = 30_000;

/**
 * An IAM v1 client with Application Default Credentials from the worker's environment
 * (GOOGLE_APPLICATION_CREDENTIALS key file, or the metadata server on GCE/GKE/Cloud Run).
 */
export function createGcpClients({
  rootUrl,
  requestTimeoutMs = DEFAULT_GCP_REQUEST_TIMEOUT_MS,
}: GcpClientOptions = {}): GcpActivityDeps {
  const googleAuth = new auth.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  // A key file then signs its own JWT access tokens instead of exchanging them at Google's token
  // endpoint. It is a property, not a constructor option: GoogleAuth copies it onto the JWT client.
  googleAuth.useJWTAccessWithScope = true;
  // googleapis-common sets retry: true, and gaxios would retry GETs/DELETEs itself, ignoring
  // Retry-After; Temporal's retry policy is the one owner of retries.
  // gaxios aborts a request after `timeout` ms: a hung call fails in bounded time.
  return {
    iam: iam({
      version: 'v1',
      auth: googleAuth,
      retry: false,
      timeout: requestTimeoutMs,
      ...(rootUrl ? { rootUrl } : {}),
    }),
  };
}
