/**
 * Errors as Google's API front end sends them. The Directory API's own refusals (notFound, forbidden, invalid,
 * backendError) come in the legacy shape `{"error":{"code","message","errors":[{"message","domain","reason"}]}}`;
 * those the front end adds (authentication, scopes, quota) also carry the canonical `status`.
 */

export interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    errors: GoogleErrorItem[];
    status?: string;
    details?: unknown[];
  };
}

export class GoogleApiError extends Error {
  override readonly name = 'GoogleApiError';
  constructor(
    readonly code: number,
    message: string,
    readonly items: GoogleErrorItem[],
    readonly status?: string,
    readonly details?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  withHeaders(headers: Record<string, string>): GoogleApiError {
    return new GoogleApiError(this.code, this.message, this.items, this.status, this.details, {
      ...this.headers,
      ...headers,
    });
  }

  toBody(): GoogleErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: this.items,
        ...(this.status === undefined ? {} : { status: this.status }),
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

const legacy = (code: number, message: string, reason: string, domain = 'global') =>
  new GoogleApiError(code, message, [{ message, domain, reason }]);

/** `Resource Not Found: userKey` (unknown user), `Resource Not Found: clientId` (no such token). */
export const resourceNotFound = (what: 'userKey' | 'clientId') =>
  legacy(404, `Resource Not Found: ${what}`, 'notFound');

/** The Directory API's refusal of a caller who is not an administrator (or acts outside its customer). */
export const notAuthorized = () => legacy(403, 'Not Authorized to access this resource/api', 'forbidden');

export const badRequest = (message = 'Bad Request') => legacy(400, message, 'badRequest');
export const invalid = (message = 'Invalid Input') => legacy(400, message, 'invalid');
export const urlNotFound = (path: string) =>
  legacy(404, `The requested URL ${path} was not found on this server.`, 'notFound');
export const backendError = (code: 500 | 503, message?: string) =>
  legacy(code, message ?? (code === 503 ? 'Service unavailable. Please try again' : 'Backend Error'), 'backendError');

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

/**
 * 403 for a token without the method's scope: the front end's wording, the legacy `insufficientPermissions` reason,
 * an ErrorInfo naming the method, and `WWW-Authenticate` with the scopes that would do.
 */
export function insufficientScopes(service: string, method: string, scopes: readonly string[]): GoogleApiError {
  return new GoogleApiError(
    403,
    'Request had insufficient authentication scopes.',
    [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    'PERMISSION_DENIED',
    [
      {
        '@type': ERROR_INFO,
        reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        domain: 'googleapis.com',
        metadata: { service, method },
      },
    ],
    {
      'www-authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${scopes.join(' ')}"`,
    },
  );
}

/** Why a bearer token was refused; sent in `x-sim-auth-failure` (never by Google) so tests can tell causes apart. */
export type AuthFailure = 'missing' | 'unknown-token' | 'expired' | 'token-revoked' | 'user-suspended' | 'user-deleted';

const CREDENTIAL_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** 401 UNAUTHENTICATED, as every Google API answers a missing, unknown, expired or revoked access token. */
export function unauthenticated(failure: AuthFailure): GoogleApiError {
  const missing = failure === 'missing';
  return new GoogleApiError(
    401,
    missing
      ? `Request is missing required authentication credential. ${CREDENTIAL_HINT}`
      : `Request had invalid authentication credentials. ${CREDENTIAL_HINT}`,
    [
      {
        message: missing ? 'Login Required.' : 'Invalid Credentials',
        domain: 'global',
        reason: missing ? 'required' : 'authError',
        location: 'Authorization',
        locationType: 'header',
      },
    ],
    'UNAUTHENTICATED',
    undefined,
    {
      'www-authenticate': missing
        ? 'Bearer realm="https://accounts.google.com/"'
        : 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      'x-sim-auth-failure': failure,
    },
  );
}

/** The Directory API's quota refusals (its "Limits and quotas" page). */
export type QuotaReason = 'userRateLimitExceeded' | 'quotaExceeded' | 'rateLimitExceeded';

/**
 * 403 `userRateLimitExceeded` (per-user queries per minute) or `quotaExceeded` (concurrent requests), and 429
 * `rateLimitExceeded` (the account-wide limit), in the wording the API front end uses for quota.
 */
export function quotaError(reason: QuotaReason, consumerProjectNumber: string, message?: string): GoogleApiError {
  if (reason === 'rateLimitExceeded') {
    const text = message ?? 'Resource has been exhausted (e.g. check quota).';
    return new GoogleApiError(
      429,
      text,
      [{ message: text, domain: 'global', reason: 'rateLimitExceeded' }],
      'RESOURCE_EXHAUSTED',
    );
  }
  const text =
    message ??
    (reason === 'userRateLimitExceeded'
      ? `Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com' for consumer 'project_number:${consumerProjectNumber}'.`
      : 'Quota exceeded for concurrent requests.');
  return new GoogleApiError(403, text, [{ message: text, domain: 'usageLimits', reason }], 'PERMISSION_DENIED', [
    {
      '@type': ERROR_INFO,
      reason: 'RATE_LIMIT_EXCEEDED',
      domain: 'googleapis.com',
      metadata: { service: 'admin.googleapis.com', consumer: `projects/${consumerProjectNumber}` },
    },
  ]);
}

/** An OAuth 2.0 token endpoint error (RFC 6749 §5.2): `{"error","error_description"}`. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string,
    /** Why, for tests (`x-sim-auth-failure`); Google sends no such header. */
    readonly failure?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
