import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../activities/aws.js';
import { ProviderUnavailableError } from '../activities/errors.js';

export interface AwsClientOptions {
  /** Only for the sandbox simulator or a VPC endpoint; real AWS needs none. */
  endpoint?: string;
  region?: string;
  /** Each call's limit (REVOKER_AWS_REQUEST_TIMEOUT_MS); a hung call fails retryably after it. */
  requestTimeoutMs?: number;
  /** Credentials other than the default provider chain's: a member account's assumed role (worker/aws-accounts.ts). */
  credentials?: IAMClientConfig['credentials'];
}

/** Longer than any IAM or STS call should take, well under the activity's start-to-close timeout. */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * IAM and STS clients with credentials from the AWS default provider chain (environment, shared
 * config/SSO profile, container or instance role): never from workflow input. The SDK's own retries
 * are off (maxAttempts 1) so Temporal's retry policy is the one owner of backoff.
 */
export function createAwsClients({
  endpoint,
  region = 'us-east-1',
  requestTimeoutMs = DEFAULT_AWS_REQUEST_TIMEOUT_MS,
  credentials,
}: AwsClientOptions = {}): AwsClients {
  // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes and the call hangs on.
  const requestHandler = {
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeoutMs),
    requestTimeout: requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
  const common = {
    region,
    maxAttempts: 1,
    requestHandler,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
  const iam = new IAMClient(common);
  const sts = new STSClient(common);
  // The sweep reads the account's event history (activities/aws-trail.ts): CloudTrail is regional, like STS here.
  const cloudtrail = new CloudTrailClient(common);
  iam.middlewareStack.add(sayWhichCallTimedOut('IAM', requestTimeoutMs), TIMEOUT_MIDDLEWARE);
  sts.middlewareStack.add(sayWhichCallTimedOut('STS', requestTimeoutMs), TIMEOUT_MIDDLEWARE);
  cloudtrail.middlewareStack.add(sayWhichCallTimedOut('CloudTrail', requestTimeoutMs), TIMEOUT_MIDDLEWARE);
  return { iam, sts, cloudtrail };
}

const TIMEOUT_MIDDLEWARE = { step: 'initialize', name: 'revokerRequestTimeout' } as const;

/**
 * The SDK's TimeoutError says neither the service nor the operation; this one does, as a retryable
 * provider error. @smithy/node-http-handler also names ECONNRESET and EPIPE "TimeoutError": those
 * keep their code and are left to the classifier as unreachable.
 */
function sayWhichCallTimedOut(service: string, timeoutMs: number) {
  return <Args, Output>(next: (args: Args) => Promise<Output>, context: { commandName?: string }) =>
    async (args: Args): Promise<Output> => {
      try {
        return await next(args);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (error instanceof Error && error.name === 'TimeoutError' && code !== 'ECONNRESET' && code !== 'EPIPE') {
          throw new ProviderUnavailableError(
            `AWS ${service} did not answer ${operation(context.commandName)} within ${timeoutMs} ms; retrying`,
            { cause: error },
          );
        }
        throw error;
      }
    };
}

/** The API's name for a command: GetUserCommand is IAM's GetUser. */
const operation = (commandName = 'a call') => commandName.replace(/Command$/, '');
