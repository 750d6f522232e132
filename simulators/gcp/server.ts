import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, hostPort, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import { GcpEngine } from './engine.js';
import type { GcpFault } from './faults.js';
import type { MutationSummary } from './mutations.js';
import { loadGcpSeed, type GcpSeed } from './seed.js';
import { findServiceAccount, keyName, type KeyType } from './state.js';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./fixtures/sandbox.json', import.meta.url));

export interface GcpSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Default: fixtures/sandbox.json. */
  seed?: GcpSeed;
  /** Load state from here if it exists, and rewrite it atomically after every change. */
  stateFile?: string;
  /** Simulated clock for JWT and key validity; default wall clock. */
  now?: () => Date;
}

export interface GcpSimulator {
  /** e.g. http://127.0.0.1:41234/ — give it to `iam({ version: 'v1', rootUrl, auth })`. */
  readonly rootUrl: string;
  readonly projectId: string;
  close(): Promise<void>;
  reset(seed?: GcpSeed): void;
  mutations(): MutationSummary;
  injectFault(fault: GcpFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  /** By email or unique id; undefined for unknown accounts. */
  serviceAccount(email: string): { email: string; uniqueId: string; disabled: boolean } | undefined;
  /** By key id or key name (any project/account spelling); undefined for unknown or deleted keys. */
  key(name: string): { name: string; disabled: boolean; keyType: KeyType } | undefined;
}

export async function startGcpSimulator(options: GcpSimulatorOptions = {}): Promise<GcpSimulator> {
  const host = options.host ?? '127.0.0.1';
  const engine = new GcpEngine({
    seed: options.seed ?? loadGcpSeed(DEFAULT_SEED_PATH),
    ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  // createAdaptorServer without serverOptions builds a plain node:http server.
  const server = createAdaptorServer({ fetch: createApp(engine).fetch, hostname: host }) as Server;
  const port = await listen(server, host, options.port ?? 0);

  return {
    rootUrl: `http://${hostPort(host, port)}/`,
    get projectId() {
      return engine.state.projectId;
    },
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.reset(seed),
    mutations: () => engine.mutations.summary(),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    serviceAccount: (email) => {
      const account = findServiceAccount(engine.state, email);
      return account && { email: account.email, uniqueId: account.uniqueId, disabled: account.disabled };
    },
    key: (name) => {
      const key = engine.state.keys.get(name.split('/').pop() ?? name);
      if (!key || key.deleteTime !== undefined) return undefined;
      return { name: keyName(engine.state, key), disabled: key.disabled, keyType: key.keyType };
    },
  };
}
