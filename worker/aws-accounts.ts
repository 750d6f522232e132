import { AssumeRoleCommand, GetCallerIdentityCommand, STSServiceException } from '@aws-sdk/client-sts';
import { hostname } from 'node:os';
import { z } from 'zod';
import { singleAccount, type AwsAccounts, type AwsClients } from '../activities/aws.js';
import { classifyAwsError } from '../activities/aws-errors.js';
import {
  InvalidRequestError,
  PermissionDeniedError,
  ProviderError,
  ProviderUnavailableError,
  ThrottledError,
} from '../activities/errors.js';
import { notInTopology, type TopologyFile } from '../connect/topology-file.js';
import { responderRoleArn, type AwsAccount, type AwsTopology } from '../domain/topology.js';
import { createAwsClients, type AwsClientOptions } from './aws-clients.js';

/** What STS must answer for an assumed session to be used: the credentials, when they end, and whose they are. */
const AssumedRole = z.object({
  Credentials: z.object({
    AccessKeyId: z.string().min(16),
    SecretAccessKey: z.string().min(1),
    SessionToken: z.string().min(1),
    Expiration: z.date(),
  }),
  AssumedRoleUser: z.object({ Arn: z.string() }),
});

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException']);

export interface AwsAccountsOptions extends AwsClientOptions {
  /** REVOKER_TOPOLOGY_FILE; without one, the worker's credentials serve their own account only. */
  topology?: TopologyFile | undefined;
}

/**
 * The AWS accounts this worker may act in, each with clients that hold credentials for it alone.
 * The hub's credentials (the default provider chain) assume the responder role the topology names
 * in each member account, on first use (100 listed accounts cost nothing until one is named), and
 * the SDK renews the session five minutes before it ends. A session AWS reports expired early
 * (ExpiredToken) is dropped, so the retry assumes the role again. An account not in the topology
 * is refused before any call, with the file and the line to add.
 */
export function createAwsAccounts(options: AwsAccountsOptions = {}): AwsAccounts {
  const hub = createAwsClients(options);
  const file = options.topology;
  const aws = file?.topology.aws;
  // A topology without an aws section leaves AWS as it is without one: the credentials' own account.
  if (!file || !aws) return singleAccount(hub);
  // One entry per account in use; an entry is replaced only by the retry after its session expired early.
  const cached = new Map<string, { clients: Promise<AwsClients> }>();
  const hubAccount = lazy(async () => (await hub.sts.send(new GetCallerIdentityCommand({}))).Account ?? '');

  const open = async (
    account: AwsAccount,
    topology: AwsTopology,
    entry: { clients: Promise<AwsClients> },
  ): Promise<AwsClients> => {
    const where = `${file.path} line ${file.lineOf('aws', account.id) ?? '?'}`;
    if (account.access === 'direct') {
      const actual = await hubAccount();
      if (actual !== account.id) {
        throw new InvalidRequestError(
          `AWS account ${account.id} is listed with access: direct (${where}), but the worker's credentials belong to ${actual}: give it a role to assume instead.`,
        );
      }
      return hub;
    }
    // One session per account for its IAM and STS clients alike (each client would otherwise assume its own).
    const clients = createAwsClients({ ...options, credentials: shared(assumeRole(hub, topology, account, where)) });
    const forget = () => {
      if (cached.get(account.id) === entry) cached.delete(account.id);
    };
    const middleware = expiredSession(account.id, forget);
    clients.iam.middlewareStack.add(middleware, EXPIRED_MIDDLEWARE);
    clients.sts.middlewareStack.add(middleware, EXPIRED_MIDDLEWARE);
    return clients;
  };

  return {
    listed: () => Promise.resolve(aws.accounts.map(({ id, name }) => ({ id, name }))),
    clients(accountId) {
      const account = aws.accounts.find((a) => a.id === accountId);
      if (!account) return Promise.reject(new InvalidRequestError(notInTopology(file, 'aws', accountId)));
      let entry = cached.get(accountId);
      if (!entry) {
        const created = { clients: Promise.resolve<AwsClients>(hub) };
        created.clients = open(account, aws, created);
        cached.set(accountId, created);
        // A refusal (direct access to the wrong account) is not kept: it is asked again next time.
        created.clients.catch(() => {
          if (cached.get(accountId) === created) cached.delete(accountId);
        });
        entry = created;
      }
      return entry.clients;
    },
  };
}

/** The credentials of the responder role in `account`, assumed with the hub's clients when the SDK asks. */
function assumeRole(hub: AwsClients, aws: AwsTopology, account: AwsAccount, where: string) {
  const roleArn = responderRoleArn(aws, account);
  const externalId = account.externalId ?? aws.externalId;
  return async () => {
    let answer: unknown;
    try {
      answer = await hub.sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          // Seen in the member account's CloudTrail as the session's name.
          RoleSessionName: `revoker-${hostname().replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64),
          DurationSeconds: aws.sessionDurationSeconds,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
      );
    } catch (error) {
      throw assumeRoleFailure(error, roleArn, externalId, where);
    }
    const parsed = AssumedRole.safeParse(answer);
    if (!parsed.success) {
      throw new ProviderUnavailableError(`STS answered AssumeRole for ${roleArn} without usable credentials`);
    }
    const { Credentials, AssumedRoleUser } = parsed.data;
    // The session must be the account's own: a role ARN that somehow led elsewhere is never used.
    if (AssumedRoleUser.Arn.split(':')[4] !== account.id) {
      throw new InvalidRequestError(
        `AssumeRole of ${roleArn} gave a session in another account (${AssumedRoleUser.Arn}): check ${where}`,
      );
    }
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration,
    };
  };
}

function assumeRoleFailure(error: unknown, roleArn: string, externalId: string | undefined, where: string) {
  if (error instanceof ProviderError) return error;
  if (error instanceof STSServiceException && ['AccessDenied', 'AccessDeniedException'].includes(error.name)) {
    return new PermissionDeniedError(
      `Revoker cannot assume ${roleArn} (${where}): ${error.message}. The role's trust policy must trust the ` +
        `worker's hub principal${externalId ? ` with sts:ExternalId "${externalId}"` : ''}, and the hub's own ` +
        `policy must allow sts:AssumeRole on the role (docs/deploy.md, "Many accounts, tenants and projects").`,
      { cause: error },
    );
  }
  const known = classifyAwsError(error);
  if (known instanceof ThrottledError) {
    return new ThrottledError(`AWS throttled AssumeRole into ${roleArn}: ${known.message}`, { cause: error });
  }
  return known ?? error;
}

const EXPIRED_MIDDLEWARE = { step: 'initialize', name: 'revokerExpiredSession' } as const;

/** A call refused with ExpiredToken drops the account's session, and fails retryably: the retry assumes the role again. */
function expiredSession(accountId: string, forget: () => void) {
  return <Args, Output>(next: (args: Args) => Promise<Output>) =>
    async (args: Args): Promise<Output> => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && EXPIRED.has(error.name)) {
          forget();
          throw new ProviderUnavailableError(
            `the session Revoker assumed in AWS account ${accountId} expired before its time; assuming the role again`,
            { cause: error },
          );
        }
        throw error;
      }
    };
}

/** Renewed this long before the session ends, as the SDK's own credential providers are. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * The credentials `fetch` gives, shared by every caller until five minutes before they expire; one fetch at a time.
 * A failed fetch is not kept.
 */
function shared<T extends { expiration?: Date }>(fetch: () => Promise<T>): () => Promise<T> {
  let held: T | undefined;
  let pending: Promise<T> | undefined;
  return () => {
    const fresh = held && (!held.expiration || held.expiration.getTime() - Date.now() > RENEW_BEFORE_MS);
    if (held && fresh) return Promise.resolve(held);
    pending ??= fetch()
      .then((value) => (held = value))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
