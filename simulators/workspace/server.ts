import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';
import { closeServer, hostPort, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import { WorkspaceEngine } from './engine.js';
import type { WorkspaceFault } from './faults.js';
import type { MutationSummary } from './mutations.js';
import { loadWorkspaceSeed, type WorkspaceSeed } from './seed.js';
import { publicUser, type PublicWorkspaceUser } from './snapshot.js';
import { findUser, grantsOfUser } from './state.js';

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./fixtures/sandbox.json', import.meta.url));

export interface WorkspaceSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Default: fixtures/sandbox.json. */
  seed?: WorkspaceSeed;
  /** Load state from here if it exists, and rewrite it atomically (mode 0600) after every change. */
  stateFile?: string;
  /** Simulated clock for assertion and token lifetimes; default wall clock. */
  now?: () => Date;
}

export interface WorkspaceSimulator {
  /** e.g. http://127.0.0.1:41234/ — give it to `admin({ version: 'directory_v1', rootUrl, auth })`. */
  readonly rootUrl: string;
  /** e.g. http://127.0.0.1:41234/token — where to redirect https://oauth2.googleapis.com/token (test-support.ts). */
  readonly tokenUrl: string;
  close(): Promise<void>;
  /** Restores the seed (this one when given) and forgets mutations and faults; issued tokens stay valid. */
  reset(seed?: WorkspaceSeed): void;
  /** Directory writes and token endpoint outcomes since start or the last reset. */
  mutations(): MutationSummary;
  injectFault(fault: WorkspaceFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  /** By primary email, alias or id; undefined for unknown users. The current state, not a propagating view. */
  user(emailOrId: string): PublicWorkspaceUser | undefined;
  /** Client ids of the apps the user has granted (tokens.list's clientIds); [] for unknown users. */
  tokens(email: string): string[];
  /** Primary emails of the users who have granted the app. */
  grantsOf(clientId: string): string[];
  /** The user's web sessions now (users.signOut ends them); 0 for unknown users. */
  sessions(email: string): number;
}

export async function startWorkspaceSimulator(options: WorkspaceSimulatorOptions = {}): Promise<WorkspaceSimulator> {
  const host = options.host ?? '127.0.0.1';
  const engine = new WorkspaceEngine({
    seed: options.seed ?? loadWorkspaceSeed(DEFAULT_SEED_PATH),
    ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  // createAdaptorServer without serverOptions builds a plain node:http server.
  const server = createAdaptorServer({ fetch: createApp(engine).fetch, hostname: host }) as Server;
  const port = await listen(server, host, options.port ?? 0);
  const rootUrl = `http://${hostPort(host, port)}/`;
  const userOf = (key: string) => findUser(engine.state, key);

  return {
    rootUrl,
    tokenUrl: `${rootUrl}token`,
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.reset(seed),
    mutations: () => engine.mutations.summary(),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    user: (key) => {
      const user = userOf(key);
      return user && publicUser(engine.state, user);
    },
    tokens: (email) => {
      const user = userOf(email);
      return user ? grantsOfUser(engine.state, user.id).map((grant) => grant.clientId) : [];
    },
    grantsOf: (clientId) =>
      engine.state.grants
        .filter((grant) => grant.clientId === clientId)
        .map((grant) => engine.state.users.get(grant.userId)?.primaryEmail ?? grant.userId),
    sessions: (email) => userOf(email)?.sessions ?? 0,
  };
}
