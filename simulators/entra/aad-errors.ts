/**
 * Token endpoint errors as Entra sends them: an OAuth `error`, and an `error_description` that starts with the
 * AADSTS code, which @azure/identity surfaces through AuthenticationError. invalid_client is HTTP 401, the rest 400.
 */
export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = 'AadError';
  }
}

/** Entra's timestamps in error bodies look like `2026-11-23 14:07:12Z`. */
export const aadTimestamp = (date: Date): string => `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;

export function aadErrorBody(
  error: AadError,
  ids: { traceId: string; correlationId: string },
  now: Date,
  authority: string,
) {
  const timestamp = aadTimestamp(now);
  return {
    error: error.error,
    error_description: `AADSTS${error.code}: ${error.description} Trace ID: ${ids.traceId} Correlation ID: ${ids.correlationId} Timestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
    error_uri: `${authority}/error?code=${error.code}`,
  };
}

export const missingParameter = (name: string): AadError =>
  new AadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

export const tenantNotFound = (tenant: string): AadError =>
  new AadError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );

export const unsupportedGrantType = (grantType: string): AadError =>
  new AadError(
    400,
    'unsupported_grant_type',
    70003,
    `The app requested an unsupported grant type '${grantType}'. This simulator supports client_credentials and refresh_token.`,
  );

export const applicationNotFound = (appId: string, tenantName: string): AadError =>
  new AadError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );

export const invalidClientSecret = (appId: string): AadError =>
  new AadError(
    401,
    'invalid_client',
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
  );

export const expiredClientSecret = (appId: string): AadError =>
  new AadError(
    401,
    'invalid_client',
    7000222,
    `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  );

export const missingClientCredential = (): AadError =>
  new AadError(
    401,
    'invalid_client',
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );

export const disabledApplication = (appId: string, displayName: string): AadError =>
  new AadError(400, 'unauthorized_client', 7000112, `Application '${appId}'(${displayName}) is disabled.`);

export const invalidAssertionType = (): AadError =>
  new AadError(
    401,
    'invalid_client',
    700011,
    "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
  );

export const unknownAssertionKey = (thumbprint: string): AadError =>
  new AadError(
    401,
    'invalid_client',
    700027,
    `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`,
  );

export const invalidAssertionSignature = (): AadError =>
  new AadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');

export const assertionAudienceMismatch = (): AadError =>
  new AadError(401, 'invalid_client', 700023, 'Client assertion audience claim does not match Realm issuer.');

export const assertionIssuerMismatch = (): AadError =>
  new AadError(
    401,
    'invalid_client',
    700021,
    "Client assertion application identifier doesn't match 'client_id' parameter.",
  );

export const assertionOutOfTime = (): AadError =>
  new AadError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');

export const invalidScope = (scope: string): AadError =>
  new AadError(
    400,
    'invalid_scope',
    1002012,
    `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  );

export const resourceNotFound = (resource: string, tenantName: string): AadError =>
  new AadError(
    400,
    'invalid_resource',
    500011,
    `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );

export const malformedGrant = (): AadError =>
  new AadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');

export const grantClientMismatch = (): AadError =>
  new AadError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');

export const userNotFound = (userId: string, tenantName: string): AadError =>
  new AadError(
    400,
    'invalid_grant',
    50034,
    `The user account ${userId} does not exist in the ${tenantName} directory.`,
  );

export const userDisabled = (): AadError => new AadError(400, 'invalid_grant', 50057, 'The user account is disabled.');

export const grantRevoked = (issued: string, validFrom: string): AadError =>
  new AadError(
    400,
    'invalid_grant',
    50173,
    `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom}'.`,
  );

export const consentRequired = (appId: string, displayName: string): AadError =>
  new AadError(
    400,
    'invalid_grant',
    65001,
    `The user or administrator has not consented to use the application with ID '${appId}' named '${displayName}'. Send an interactive authorization request for this user and resource.`,
  );

/** Injected token-endpoint faults: Entra's transient-error code, or a Conditional Access block for 403. */
export function aadFault(status: number, retryAfterSeconds: number | undefined, message?: string): AadError {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  if (status === 403) {
    return new AadError(
      403,
      'access_denied',
      53003,
      message ??
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      headers,
    );
  }
  if (status === 404) return new AadError(404, 'invalid_request', 90002, message ?? 'Tenant not found.', headers);
  return new AadError(
    status,
    status === 500 ? 'server_error' : 'temporarily_unavailable',
    90033,
    message ?? 'A transient error has occurred. Please try again.',
    headers,
  );
}
