export type AwsService = 'iam' | 'sts' | 's3';
/** A service whose requests the simulator authenticates: the three above, and CloudTrail's event history. */
export type SignedService = AwsService | 'cloudtrail';
export type ErrorType = 'Sender' | 'Receiver';

/** An AWS error as it goes on the wire; the SDK maps `code` to the exception name (NoSuchEntity → NoSuchEntityException). */
export class AwsError extends Error {
  readonly type: ErrorType;
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    type?: ErrorType,
  ) {
    super(message);
    this.name = code;
    this.type = type ?? (status >= 500 ? 'Receiver' : 'Sender');
  }
}

export const noSuchEntity = (message: string): AwsError => new AwsError('NoSuchEntity', message, 404);
export const accessDenied = (message: string): AwsError => new AwsError('AccessDenied', message, 403);
export const limitExceeded = (message: string): AwsError => new AwsError('LimitExceeded', message, 409);
export const malformedPolicy = (message: string): AwsError => new AwsError('MalformedPolicyDocument', message, 400);
export const validationError = (message: string): AwsError => new AwsError('ValidationError', message, 400);

/** Status and default message for codes that fault injection may produce (IAM/STS common errors). */
const FAULT_CATALOG: Record<string, { status: number; message: string }> = {
  Throttling: { status: 400, message: 'Rate exceeded' },
  ServiceFailure: {
    status: 500,
    message: 'Request processing has failed due to an unknown error, exception or failure.',
  },
  InternalFailure: {
    status: 500,
    message: 'The request processing has failed because of an unknown error, exception or failure.',
  },
  ServiceUnavailable: { status: 503, message: 'Service is unable to handle request.' },
  AccessDenied: { status: 403, message: 'Access Denied' },
  LimitExceeded: { status: 409, message: 'Cannot exceed quota for AccessKeysPerUser: 2' },
  EntityTemporarilyUnmodifiable: {
    status: 409,
    message: 'The entity cannot be modified because it is temporarily unmodifiable. Please try again later.',
  },
  ConcurrentModification: {
    status: 409,
    message: 'The request was rejected because multiple requests to change this object were submitted simultaneously.',
  },
  NoSuchEntity: { status: 404, message: 'The requested entity cannot be found.' },
  ExpiredToken: { status: 400, message: 'The security token included in the request is expired' },
  InvalidClientTokenId: { status: 403, message: 'The security token included in the request is invalid.' },
};

export function faultError(code: string, message?: string): AwsError {
  const known = FAULT_CATALOG[code];
  return new AwsError(code, message ?? known?.message ?? code, known?.status ?? 400);
}

export type AuthFailure =
  'missing' | 'malformed' | 'unknown-key' | 'bad-token' | 'expired' | 'signature' | 'payload-hash';

/**
 * Authentication failures are worded differently by the Query services (IAM/STS) and by S3,
 * e.g. an unknown or inactive key is InvalidClientTokenId for IAM/STS but InvalidAccessKeyId for S3.
 */
export function authError(service: SignedService | undefined, failure: AuthFailure, detail?: string): AwsError {
  if (service === 'cloudtrail') return jsonAuthError(failure, detail);
  if (service === 's3') {
    switch (failure) {
      case 'missing':
        return new AwsError('AccessDenied', 'Access Denied', 403);
      case 'malformed':
        return new AwsError('AuthorizationHeaderMalformed', detail ?? 'The authorization header is malformed.', 400);
      case 'unknown-key':
        return new AwsError(
          'InvalidAccessKeyId',
          'The AWS Access Key Id you provided does not exist in our records.',
          403,
        );
      case 'bad-token':
        return new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
      case 'expired':
        return new AwsError('ExpiredToken', 'The provided token has expired.', 400);
      case 'signature':
        return new AwsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
          403,
        );
      case 'payload-hash':
        return new AwsError(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          400,
        );
    }
  }
  switch (failure) {
    case 'missing':
      return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'malformed':
      return new AwsError(
        'IncompleteSignature',
        detail ?? 'The request signature does not conform to AWS standards.',
        400,
      );
    case 'unknown-key':
    case 'bad-token':
      return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    case 'expired':
      return new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
    case 'signature':
      return new AwsError(
        'SignatureDoesNotMatch',
        detail ??
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        403,
      );
    case 'payload-hash':
      return new AwsError('SignatureDoesNotMatch', 'The provided payload hash does not match the request body.', 403);
  }
}

/** S3 has its own names for the throttling/internal faults the Query services call Throttling/ServiceFailure. */
export function toS3Error(error: AwsError): AwsError {
  switch (error.code) {
    case 'Throttling':
      return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    case 'ServiceFailure':
    case 'InternalFailure':
      return new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
    case 'AccessDenied':
      return new AwsError('AccessDenied', 'Access Denied', 403);
    default:
      return error;
  }
}

/** The AWS JSON protocol's names for the same failures (CloudTrail): `UnrecognizedClientException` and the rest. */
function jsonAuthError(failure: AuthFailure, detail?: string): AwsError {
  switch (failure) {
    case 'missing':
      return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
    case 'malformed':
      return new AwsError(
        'IncompleteSignatureException',
        detail ?? 'The request signature does not conform to AWS standards.',
        400,
      );
    case 'unknown-key':
    case 'bad-token':
      return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
    case 'expired':
      return new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    case 'signature':
    case 'payload-hash':
      return new AwsError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        400,
      );
  }
}
