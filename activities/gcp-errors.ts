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
  error?: { code?: number; message?: string; status?: string };
}

/** Maps a Google API error ({"error":{"code","message","status"}}) to a provider error. */
export function classifyGcpError(error: unknown): ProviderError | undefined {
  if (!(error instanceof GaxiosError)) return undefined;
  const status = error.response?.status ?? error.status;
  // gaxios aborts at its `timeout` through the request's signal; node-fetch then throws a bare AbortError,
  // so the signal's reason (a TimeoutError) is what tells a timeout from a cancellation.
  const aborted = (error.config.signal as AbortSignal | undefined)?.reason as unknown;
  if (status === undefined && aborted instanceof Error && aborted.name === 'TimeoutError') {
    const { method = 'GET', url, timeout } = error.config;
    return new ProviderUnavailableError(
      `Google IAM did not answer ${method} ${new URL(url).pathname} within ${timeout ?? '?'} ms; retrying`,
      { cause: error },
    );
  }
  if (status === undefined) {
    return new ProviderUnavailableError(`Could not reach the Google IAM API: ${error.message}`, { cause: error });
  }
  const body = (error.response?.data ?? {}) as GoogleErrorBody;
  // Google's messages end with a full stop; ours follow with their own.
  const detail = `${body.error?.status ?? `HTTP ${status}`}: ${(body.error?.message ?? error.message).replace(/\.+$/, '')}`;
  const retryAfter = Number(error.response?.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (status === 429)
    return new ThrottledError(`Google IAM throttled the call (${detail})`, { retryAfterMs, cause: error });
  if (status >= 500)
    return new ProviderUnavailableError(`Google IAM failed (${detail})`, { retryAfterMs, cause: error });
  if (status === 404) {
    return new TargetNotFoundError(`${detail}. Check the project and names in the alert; nothing was changed.`, {
      cause: error,
    });
  }
  if (status === 401 || status === 403) {
    return new PermissionDeniedError(
      `${detail}. Grant the worker's service account Revoker's custom role (deploy/gcp/revoker-responder-role.yaml), or roles/iam.serviceAccountKeyAdmin with roles/iam.serviceAccountAdmin, on this project or a folder or organisation above it (README, "Running against real Google Cloud").`,
      { cause: error },
    );
  }
  if (body.error?.status === 'FAILED_PRECONDITION') return new UnsafeStateError(detail, { cause: error });
  return new InvalidRequestError(`Google IAM rejected the call (${detail})`, { cause: error });
}
