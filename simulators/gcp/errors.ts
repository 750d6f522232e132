export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** The legacy `errors[].reason` Google's front end still adds next to the canonical status. */
const LEGACY_REASON: Record<GoogleStatus, string> = {
  INVALID_ARGUMENT: 'badRequest',
  FAILED_PRECONDITION: 'failedPrecondition',
  UNAUTHENTICATED: 'authError',
  PERMISSION_DENIED: 'forbidden',
  NOT_FOUND: 'notFound',
  ABORTED: 'aborted',
  RESOURCE_EXHAUSTED: 'rateLimitExceeded',
  INTERNAL: 'backendError',
  UNAVAILABLE: 'backendError',
};

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: string; reason: string }[];
    status: GoogleStatus;
    details?: unknown[];
  };
}

/** A Google API error as it goes on the wire: `{"error":{"code","message","errors","status","details"?}}`. */
export class GoogleApiError extends Error {
  override readonly name = 'GoogleApiError';
  constructor(
    readonly code: number,
    readonly status: GoogleStatus,
    message: string,
    readonly details?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): GoogleErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: LEGACY_REASON[this.status] }],
        status: this.status,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export const notFound = (message: string) => new GoogleApiError(404, 'NOT_FOUND', message);
export const invalidArgument = (message: string) => new GoogleApiError(400, 'INVALID_ARGUMENT', message);
export const failedPrecondition = (message: string) => new GoogleApiError(400, 'FAILED_PRECONDITION', message);
/** A read-modify-write lost its race: setIamPolicy with an etag that is no longer the policy's. */
export const aborted = (message: string) => new GoogleApiError(409, 'ABORTED', message);

/** The google.rpc.Code number of each status, as an audit log's `status.code` carries it. */
export const RPC_CODE: Readonly<Record<GoogleStatus, number>> = {
  INVALID_ARGUMENT: 3,
  FAILED_PRECONDITION: 9,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
  NOT_FOUND: 5,
  ABORTED: 10,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};

/**
 * The IAM admin API's own wording (iam.googleapis.com), e.g. "Permission iam.serviceAccountKeys.get is required to
 * perform this operation on service account key projects/p/serviceAccounts/e/keys/k." The resource is named as the
 * caller wrote it (`projects/-/...` stays `-`).
 */
export function permissionDenied(
  permission: string,
  resource: 'service account' | 'service account key',
  name: string,
): GoogleApiError {
  return new GoogleApiError(
    403,
    'PERMISSION_DENIED',
    `Permission ${permission} is required to perform this operation on ${resource} ${name}.`,
    [{ '@type': ERROR_INFO, reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission } }],
  );
}

/**
 * The IAM Credentials API's and Cloud Logging's wording: "Permission 'iam.serviceAccounts.getAccessToken' denied on
 * resource (or it may not exist)." They name no resource, so a caller learns nothing about existence.
 */
export function permissionDeniedOnResource(permission: string, domain: string): GoogleApiError {
  return new GoogleApiError(
    403,
    'PERMISSION_DENIED',
    `Permission '${permission}' denied on resource (or it may not exist).`,
    [{ '@type': ERROR_INFO, reason: 'IAM_PERMISSION_DENIED', domain, metadata: { permission } }],
  );
}

export const insufficientScopes = () =>
  new GoogleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', [
    { '@type': ERROR_INFO, reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com' },
  ]);

/** Why a bearer token was refused; sent back in `x-sim-auth-failure` (never by Google) so tests can tell causes apart. */
export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'unknown-account'
  | 'unknown-key'
  | 'signature'
  | 'expired'
  | 'issued-in-future'
  | 'lifetime-too-long'
  | 'claims'
  | 'audience'
  | 'key-deleted'
  | 'key-disabled'
  | 'key-not-yet-valid'
  | 'key-expired'
  | 'account-disabled'
  | 'unknown-token';

const CREDENTIAL_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export function unauthenticated(failure: AuthFailure): GoogleApiError {
  const missing = failure === 'missing';
  const reason = missing ? 'CREDENTIALS_MISSING' : failure === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : undefined;
  return new GoogleApiError(
    401,
    'UNAUTHENTICATED',
    missing
      ? `Request is missing required authentication credential. ${CREDENTIAL_HINT}`
      : `Request had invalid authentication credentials. ${CREDENTIAL_HINT}`,
    reason ? [{ '@type': ERROR_INFO, reason, domain: 'googleapis.com' }] : undefined,
    {
      'www-authenticate': missing
        ? 'Bearer realm="https://accounts.google.com/"'
        : 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      'x-sim-auth-failure': failure,
    },
  );
}
