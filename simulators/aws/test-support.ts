import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient, type Credentials } from '@aws-sdk/client-sts';
import type { AwsSimulator } from './server.js';
import { loadAwsSeed, type AwsSeed } from './seed.js';
import { DEFAULT_SEED_PATH } from './server.js';

/** Test-only helpers: fixture credentials and SDK clients configured with nothing but endpoint and credentials. */

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const ACCOUNT = '123456789012';

/** Long-term keys from fixtures/sandbox.json. */
export const RESPONDER: TestCredentials = {
  accessKeyId: 'AKIARSPNDR7EXAMPLE01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYRESPONDER1',
};
export const ALICE: TestCredentials = {
  accessKeyId: 'AKIAALICE07EXAMPLE01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYALICEKEY01',
};
export const ALICE_SECOND: TestCredentials = {
  accessKeyId: 'AKIAALICE07EXAMPLE02',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYALICEKEY02',
};
export const CI_DEPLOYER: TestCredentials = {
  accessKeyId: 'AKIACIDEPL7EXAMPLE01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYCIDEPLOY01',
};

export const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
export const DENY_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
});

/** maxAttempts 1: errors surface as-is instead of being retried by the SDK. */
const config = (sim: AwsSimulator, credentials: TestCredentials) => ({
  endpoint: sim.endpoint,
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
});

export const iamClient = (sim: AwsSimulator, credentials: TestCredentials) => new IAMClient(config(sim, credentials));
export const stsClient = (sim: AwsSimulator, credentials: TestCredentials) => new STSClient(config(sim, credentials));
export const cloudTrailClient = (sim: AwsSimulator, credentials: TestCredentials) =>
  new CloudTrailClient(config(sim, credentials));
export const s3Client = (sim: AwsSimulator, credentials: TestCredentials) =>
  new S3Client({ ...config(sim, credentials), forcePathStyle: true });

export function sessionCredentials(credentials: Credentials | undefined): TestCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new Error('STS returned no credentials');
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

/** The SDK's service exceptions carry the AWS error code as `name` and the HTTP status in `$metadata`. */
export function awsError(name: string, status?: number, message?: RegExp) {
  return (error: unknown): boolean => {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name !== name) throw new Error(`expected ${name}, got ${String(e.name)}: ${String(e.message)}`);
    if (status !== undefined && e.$metadata?.httpStatusCode !== status) {
      throw new Error(`expected HTTP ${status} for ${name}, got ${String(e.$metadata?.httpStatusCode)}`);
    }
    if (message && !message.test(e.message ?? ''))
      throw new Error(`message ${String(e.message)} does not match ${String(message)}`);
    return true;
  };
}

/**
 * The sandbox with alice's stolen key able to plant a backdoor (a user, its key, a console password), as a key with
 * IAM rights can, and the responder able to read CloudTrail: Stratus Red Team's aws.persistence.iam-backdoor-user.
 */
export function backdoorSeed(seed: AwsSeed): AwsSeed {
  type Policies = NonNullable<AwsSeed['users'][number]['inlinePolicies']>;
  const allow = (Action: string[]): Policies[string] => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
  });
  const added: Record<string, Policies> = {
    alice: { Backdoor: allow(['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile']) },
    'revoker-responder': { Trail: allow(['cloudtrail:LookupEvents']) },
  };
  return {
    ...seed,
    users: seed.users.map((u) =>
      added[u.userName] ? { ...u, inlinePolicies: { ...u.inlinePolicies, ...added[u.userName] } } : u,
    ),
  };
}

/** The sandbox seed with the responder's least-privilege policy stripped of `removed`: a worker missing those actions. */
export function seedWithout(...removed: string[]): AwsSeed {
  const seed = loadAwsSeed(DEFAULT_SEED_PATH);
  const responder = seed.users.find((u) => u.userName === 'revoker-responder');
  const policy = responder?.inlinePolicies?.RevokerContainmentLeastPrivilege as { Statement: { Action: string[] }[] };
  for (const statement of policy.Statement) statement.Action = statement.Action.filter((a) => !removed.includes(a));
  return seed;
}
