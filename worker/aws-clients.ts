import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../activities/aws.js';

export interface AwsClientOptions {
  /** Only for the sandbox simulator or a VPC endpoint; real AWS needs none. */
  endpoint?: string;
  region?: string;
}

/**
 * IAM and STS clients with credentials from the AWS default provider chain (environment, shared
 * config/SSO profile, container or instance role): never from workflow input. The SDK's own retries
 * are off (maxAttempts 1) so Temporal's retry policy is the one owner of backoff.
 */
export function createAwsClients({ endpoint, region = 'us-east-1' }: AwsClientOptions = {}): AwsClients {
  // A hung call fails in bounded time (a TimeoutError, retried by Temporal) instead of holding the activity.
  const requestHandler = { connectionTimeout: 5_000, requestTimeout: 30_000 };
  const common = { region, maxAttempts: 1, requestHandler, ...(endpoint ? { endpoint } : {}) };
  return { iam: new IAMClient(common), sts: new STSClient(common) };
}
