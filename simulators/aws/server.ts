import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, hostPort, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import type { TrailEvent } from './cloudtrail.js';
import { AwsEngine } from './engine.js';
import type { AwsFault } from './faults.js';
import type { MutationSummary } from './mutations.js';
import { loadAwsSeed, type AwsSeed } from './seed.js';
import { accountOfKey } from './state.js';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./fixtures/sandbox.json', import.meta.url));
/**
 * The sandbox organisation's member accounts (docs/deploy.md, "In the sandbox"): acme-workloads (210987654321, user bob) and acme-legacy
 * (345678901234, user carol), each with the responder role the hub (123456789012's revoker-responder) assumes.
 */
export const MEMBER_SEED_PATHS = ['workloads.json', 'legacy.json'].map((file) =>
  fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url)),
);

/** The member accounts' seeds, for `startAwsSimulator({ accounts })`. */
export const organisationSeeds = (): AwsSeed[] => MEMBER_SEED_PATHS.map(loadAwsSeed);

export interface AwsSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** The primary account. Default: fixtures/sandbox.json. */
  seed?: AwsSeed;
  /**
   * Member accounts on the same endpoint (an AWS Organization): a request's access key picks its account, and
   * STS AssumeRole crosses between them, checking trust policies and ExternalId. e.g. `organisationSeeds()`.
   */
  accounts?: readonly AwsSeed[];
  /** Load state from here if it exists, and rewrite it atomically after every change. */
  stateFile?: string;
  /** Simulated clock for session expiry and condition keys; default wall clock. */
  now?: () => Date;
}

export interface AwsSimulator {
  /** e.g. http://127.0.0.1:41234 — use as `endpoint` for IAMClient, STSClient and S3Client (forcePathStyle). */
  readonly endpoint: string;
  /** The primary account. */
  readonly accountId: string;
  /** Every account served, the primary first. */
  readonly accountIds: readonly string[];
  close(): Promise<void>;
  /** Restores the seeds (the primary account's from `seed` when given) and forgets mutations and faults. */
  reset(seed?: AwsSeed): void;
  /** What was changed in `accountId` (default: the primary account; `'all'`: every account). */
  mutations(accountId?: string): MutationSummary;
  /** Ends the temporary credentials of `accountId` (default: every account) now; returns how many. */
  expireSessions(accountId?: string): number;
  injectFault(fault: AwsFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  /** A long-term key, in whichever account holds it. */
  accessKey(
    accessKeyId: string,
  ): { userName: string; status: 'Active' | 'Inactive'; createDate: string; accountId: string } | undefined;
  /** Parsed inline policy documents by name; {} for unknown users. `accountId` default: the primary account. */
  userPolicies(userName: string, accountId?: string): Record<string, unknown>;
  rolePolicies(roleName: string, accountId?: string): Record<string, unknown>;
  /**
   * Requests whose client gave up (closed the connection) before the answer, e.g. a call held by a
   * `latencyMs` fault that the caller aborted; and a promise that resolves once `count` have been.
   */
  abandoned(): number;
  abandonedAt(count: number): Promise<void>;
  /** CloudTrail's record of every call made in `accountId` (default: the primary account), oldest first. */
  trailEvents(accountId?: string): readonly TrailEvent[];
  /** How long after a call `LookupEvents` can see it (CloudTrail: typically 5 minutes); 0 by default. */
  setTrailDelay(ms: number): void;
}

const parsedPolicies = (policies: Map<string, string> | undefined): Record<string, unknown> =>
  Object.fromEntries([...(policies ?? [])].map(([name, text]) => [name, JSON.parse(text) as unknown]));

export async function startAwsSimulator(options: AwsSimulatorOptions = {}): Promise<AwsSimulator> {
  const host = options.host ?? '127.0.0.1';
  const engine = new AwsEngine({
    seed: options.seed ?? loadAwsSeed(DEFAULT_SEED_PATH),
    ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
    ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  // createAdaptorServer without serverOptions builds a plain node:http server.
  const server = createAdaptorServer({ fetch: createApp(engine).fetch, hostname: host }) as Server;
  const port = await listen(server, host, options.port ?? 0);
  let abandoned = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  server.on('request', (_request, response) => {
    response.once('close', () => {
      if (response.writableFinished) return;
      abandoned += 1;
      for (const waiter of waiters.filter((w) => abandoned >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });

  return {
    endpoint: `http://${hostPort(host, port)}`,
    get accountId() {
      return engine.state.primaryId;
    },
    get accountIds() {
      return [...engine.state.accounts.keys()];
    },
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.restore(seed),
    mutations: (accountId) => engine.mutationsIn(accountId),
    trailEvents: (accountId = engine.state.primaryId) => engine.trail.all(accountId),
    setTrailDelay: (ms) => {
      engine.trail.deliveryDelayMs = ms;
    },
    expireSessions: (accountId) => engine.expireSessions(accountId),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    accessKey: (accessKeyId) => {
      const account = accountOfKey(engine.state, accessKeyId);
      const key = account?.accessKeys.get(accessKeyId);
      return (
        account &&
        key && { userName: key.userName, status: key.status, createDate: key.createDate, accountId: account.accountId }
      );
    },
    userPolicies: (userName, accountId = engine.state.primaryId) =>
      parsedPolicies(engine.state.accounts.get(accountId)?.users.get(userName)?.inlinePolicies),
    rolePolicies: (roleName, accountId = engine.state.primaryId) =>
      parsedPolicies(engine.state.accounts.get(accountId)?.roles.get(roleName)?.inlinePolicies),
    abandoned: () => abandoned,
    abandonedAt: (count) =>
      abandoned >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}
