import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, hostPort, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import { AwsEngine } from './engine.js';
import type { AwsFault } from './faults.js';
import type { MutationSummary } from './mutations.js';
import { loadAwsSeed, type AwsSeed } from './seed.js';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./fixtures/sandbox.json', import.meta.url));

export interface AwsSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Default: fixtures/sandbox.json. */
  seed?: AwsSeed;
  /** Load state from here if it exists, and rewrite it atomically after every change. */
  stateFile?: string;
  /** Simulated clock for session expiry and condition keys; default wall clock. */
  now?: () => Date;
}

export interface AwsSimulator {
  /** e.g. http://127.0.0.1:41234 — use as `endpoint` for IAMClient, STSClient and S3Client (forcePathStyle). */
  readonly endpoint: string;
  readonly accountId: string;
  close(): Promise<void>;
  reset(seed?: AwsSeed): void;
  mutations(): MutationSummary;
  injectFault(fault: AwsFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  accessKey(accessKeyId: string): { userName: string; status: 'Active' | 'Inactive'; createDate: string } | undefined;
  /** Parsed inline policy documents by name; {} for unknown users. */
  userPolicies(userName: string): Record<string, unknown>;
  rolePolicies(roleName: string): Record<string, unknown>;
  /**
   * Requests whose client gave up (closed the connection) before the answer, e.g. a call held by a
   * `latencyMs` fault that the caller aborted; and a promise that resolves once `count` have been.
   */
  abandoned(): number;
  abandonedAt(count: number): Promise<void>;
}

const parsedPolicies = (policies: Map<string, string> | undefined): Record<string, unknown> =>
  Object.fromEntries([...(policies ?? [])].map(([name, text]) => [name, JSON.parse(text) as unknown]));

export async function startAwsSimulator(options: AwsSimulatorOptions = {}): Promise<AwsSimulator> {
  const host = options.host ?? '127.0.0.1';
  const engine = new AwsEngine({
    seed: options.seed ?? loadAwsSeed(DEFAULT_SEED_PATH),
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
      return engine.state.accountId;
    },
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.reset(seed),
    mutations: () => engine.mutations.summary(),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    accessKey: (accessKeyId) => {
      const key = engine.state.accessKeys.get(accessKeyId);
      return key && { userName: key.userName, status: key.status, createDate: key.createDate };
    },
    userPolicies: (userName) => parsedPolicies(engine.state.users.get(userName)?.inlinePolicies),
    rolePolicies: (roleName) => parsedPolicies(engine.state.roles.get(roleName)?.inlinePolicies),
    abandoned: () => abandoned,
    abandonedAt: (count) =>
      abandoned >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}
