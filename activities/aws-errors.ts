import { CloudTrailServiceException } from '@aws-sdk/client-cloudtrail';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { STSServiceException } from '@aws-sdk/client-sts';
import {
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
  UnsafeStateError,
  type ProviderError,
} from './errors.js';

// SDK v3 names modelled exceptions (NoSuchEntityException) and names unmodelled ones by their
// wire code (Throttling), so both spellings are listed. Codes: IAM API reference, "Common Errors".
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const TRANSIENT = new Set([
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'InternalFailure',
  'EntityTemporarilyUnmodifiable',
  'EntityTemporarilyUnmodifiableException',
  'ConcurrentModification',
  'ConcurrentModificationException',
]);
const NOT_FOUND = new Set(['NoSuchEntity', 'NoSuchEntityException']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidSignatureException',
]);
const UNMODIFIABLE = new Set(['UnmodifiableEntity', 'UnmodifiableEntityException']);

/** Maps an AWS SDK error to a provider error; undefined leaves it to Temporal's default handling. */
export function classifyAwsError(error: unknown): ProviderError | undefined {
  if (
    error instanceof IAMServiceException ||
    error instanceof STSServiceException ||
    error instanceof CloudTrailServiceException
  ) {
    const { name, message } = error;
    const status = error.$metadata.httpStatusCode;
    if (THROTTLING.has(name))
      return new ThrottledError(`AWS throttled the call (${name}): ${message}`, { cause: error });
    if (TRANSIENT.has(name) || error.$fault === 'server' || (status !== undefined && status >= 500)) {
      return new ProviderUnavailableError(`AWS could not serve the call (${name}): ${message}`, { cause: error });
    }
    if (NOT_FOUND.has(name)) {
      return new TargetNotFoundError(`${message} Check the account and name in the alert; nothing was changed.`, {
        cause: error,
      });
    }
    if (DENIED.has(name)) {
      return new PermissionDeniedError(
        `${message} Grant the worker's AWS principal the Revoker responder policy (docs/deploy.md, "Running against real AWS").`,
        { cause: error },
      );
    }
    if (BAD_CREDENTIALS.has(name)) {
      return new PermissionDeniedError(
        `AWS refused the worker's credentials (${name}): fix the AWS credentials in the worker's environment.`,
        { cause: error },
      );
    }
    if (UNMODIFIABLE.has(name)) return new UnsafeStateError(message, { cause: error });
    return new InvalidRequestError(`AWS rejected the call (${name}): ${message}`, { cause: error });
  }
  // Network failures (connection refused, reset, DNS) carry no service metadata and are worth a retry.
  if (error instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(error.message)) {
    return new ProviderUnavailableError(`Could not reach AWS: ${error.message}`, { cause: error });
  }
  return undefined;
}
