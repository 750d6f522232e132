/** A Microsoft Graph error: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const invalidToken = (message: string): GraphError => new GraphError(401, 'InvalidAuthenticationToken', message);

export const insufficientPrivileges = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const resourceNotFound = (id: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badRequest = (message: string): GraphError => new GraphError(400, 'Request_BadRequest', message);

/** Graph's answer to an unknown URL segment. */
export const unknownSegment = (segment: string): GraphError =>
  new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

export const methodNotAllowed = (method: string): GraphError =>
  new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed on this resource.`);

const FAULTS: Record<number, { code: string; message: string }> = {
  403: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
  404: {
    code: 'Request_ResourceNotFound',
    message: 'Resource does not exist or one of its queried reference-property objects are not present.',
  },
  429: {
    code: 'TooManyRequests',
    message: 'Too many requests. Please retry after the time given in the Retry-After header.',
  },
  500: { code: 'InternalServerError', message: 'An internal server error occurred.' },
  503: { code: 'ServiceUnavailable', message: 'Service Unavailable.' },
};

export function graphFault(status: number, retryAfterSeconds: number | undefined, message?: string): GraphError {
  const known = FAULTS[status] ?? { code: 'UnknownError', message: 'Injected fault.' };
  return new GraphError(
    status,
    known.code,
    message ?? known.message,
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
  );
}
