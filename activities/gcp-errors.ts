import { GaxiosError } from 'gaxios';
import {
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
  UnsafeStateError,
  type ProviderError,
} from './errors.js';

interface GoogleErrorBody {
  /** An API error ({"error":{"code","message","status","errors":[{"reason"}]}}), or an OAuth one ("unauthorized_client"). */
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string }[] } | string;
  error_description?: string;
}

/** What differs between Google APIs when their errors are explained: the API's name and what to do. */
export interface GoogleApiHints {
  /** e.g. "Google IAM". */
  api: string;
  /** After a 404: what to check. */
  notFound: string;
  /** After a 401/403 (or an OAuth refusal at the token endpoint): what to grant, and where. */
  denied: string;
}

/** Reasons the Admin SDK gives its quota refusals (403, or 429), which a retry after a pause clears. */
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

/**
 * A gaxios error of any version: @googleapis/iam and @googleapis/admin each bring their own gaxios major, and
 * gaxios's `instanceof` is bound to its own version, so the other's errors are recognised by their shape.
 */
function isGaxiosError(error: unknown): error is GaxiosError {
  if (error instanceof GaxiosError) return true;
  return (
    error instanceof Error &&
    (error.name === 'GaxiosError' || error.constructor.name === 'GaxiosError') &&
    typeof (error as { config?: unknown }).config === 'object'
  );
}

/** Maps a Google API error (gaxios) to a provider error, with the API's own advice. */
export function classifyGoogleError(error: unknown, hints: GoogleApiHints): ProviderError | undefined {
  if (!isGaxiosError(error)) return undefined;
  const status = error.response?.status ?? error.status;
  // gaxios aborts at its `timeout` through the request's signal; node-fetch then throws a bare AbortError,
  // so the signal's reason (a TimeoutError) is what tells a timeout from a cancellation.
  const aborted = (error.config.signal as AbortSignal | undefined)?.reason as unknown;
  if (status === undefined && aborted instanceof Error && aborted.name === 'TimeoutError') {
    const { method = 'GET', url, timeout } = error.config;
    return new ProviderUnavailableError(
      `${hints.api} did not answer ${method} ${new URL(url).pathname} within ${timeout ?? '?'} ms; retrying`,
      { cause: error },
    );
  }
  if (status === undefined) {
    return new ProviderUnavailableError(`Could not reach ${hints.api}: ${error.message}`, { cause: error });
  }
  const body = (error.response?.data ?? {}) as GoogleErrorBody;
  const apiError = typeof body.error === 'object' ? body.error : undefined;
  const oauthError = typeof body.error === 'string' ? body.error : undefined;
  const message = apiError?.message ?? (oauthError ? `${oauthError}: ${body.error_description ?? ''}` : error.message);
  // Google's messages end with a full stop; ours follow with their own.
  const detail = `${apiError?.status ?? `HTTP ${status}`}: ${message.replace(/\.+$/, '')}`;
  const retryAfter = Number(error.response?.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  const rateLimited = apiError?.errors?.some((e) => RATE_LIMIT_REASONS.has(e.reason ?? '')) ?? false;
  if (status === 429 || (status === 403 && rateLimited)) {
    return new ThrottledError(`${hints.api} throttled the call (${detail})`, { retryAfterMs, cause: error });
  }
  if (status >= 500)
    return new ProviderUnavailableError(`${hints.api} failed (${detail})`, { retryAfterMs, cause: error });
  if (status === 404) return new TargetNotFoundError(`${detail}. ${hints.notFound}`, { cause: error });
  // A read-modify-write that lost its race (setIamPolicy's stale etag): reading again and retrying is the cure.
  if (status === 409 && apiError?.status === 'ABORTED') {
    return new ProviderUnavailableError(`${hints.api} refused a concurrent change (${detail}); retrying`, {
      retryAfterMs,
      cause: error,
    });
  }
  if (status === 401 || status === 403 || oauthError === 'unauthorized_client' || oauthError === 'invalid_grant') {
    return new PermissionDeniedError(`${detail}. ${hints.denied}`, { cause: error });
  }
  if (apiError?.status === 'FAILED_PRECONDITION') return new UnsafeStateError(detail, { cause: error });
  return new InvalidRequestError(`${hints.api} rejected the call (${detail})`, { cause: error });
}

const GCP_HINTS: GoogleApiHints = {
  api: 'Google IAM',
  notFound: 'Check the project and names in the alert; nothing was changed.',
  denied:
    'Grant the worker\'s service account Revoker\'s custom role (deploy/gcp/revoker-responder-role.yaml), or roles/iam.serviceAccountKeyAdmin with roles/iam.serviceAccountAdmin, on this project or a folder or organisation above it (docs/deploy.md, "Running against real Google Cloud").',
};

/** Maps a Google IAM API error to a provider error. */
export function classifyGcpError(error: unknown): ProviderError | undefined {
  return classifyGoogleError(error, GCP_HINTS);
}

const LOGGING_HINTS: GoogleApiHints = {
  api: 'Google Cloud Logging',
  notFound: 'Check the project id; nothing was read.',
  denied:
    "Grant the worker's service account logging.logEntries.list and logging.privateLogEntries.list (roles/logging.viewer and roles/logging.privateLogViewer, or Revoker's custom role in deploy/gcp/revoker-responder-role.yaml) on this project or above it: the sweep and the watch read its Admin Activity and Data Access audit logs.",
};

/** Maps a Cloud Logging API error (entries.list) to a provider error. */
export function classifyGcpLoggingError(error: unknown): ProviderError | undefined {
  return classifyGoogleError(error, LOGGING_HINTS);
}
