import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, hostPort, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import { GcpEngine } from './engine.js';
import type { GcpFault } from './faults.js';
import { loadGcpHierarchy, type GcpHierarchy } from './hierarchy.js';
import type { MutationSummary } from './mutations.js';
import { loadGcpSeed, type GcpSeed } from './seed.js';
import {
  bindingOf,
  findAccountAnywhere,
  keyName,
  projectOfKey,
  type Binding,
  type KeyType,
  type LogEntry,
} from './state.js';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';

const fixture = (file: string) => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

export const DEFAULT_SEED_PATH = fixture('sandbox.json');
/** The sandbox organisation (docs/deploy.md, "In the sandbox"): organizations/605240158853 "acme.example" and its folder "analytics". */
export const HIERARCHY_PATH = fixture('organisation.json');
/**
 * The sandbox organisation's other projects (docs/deploy.md): acme-data (730164928351, under the analytics folder, whose
 * policy grants the responder the revokerResponder role) and acme-lab (286401937512, directly under the
 * organization, where the responder holds nothing).
 */
export const MEMBER_SEED_PATHS = ['data.json', 'lab.json'].map(fixture);

/** The sandbox organisation, ready to spread: `startGcpSimulator({ ...organisationSeeds() })`. */
export const organisationSeeds = (): { projects: GcpSeed[]; hierarchy: GcpHierarchy } => ({
  projects: MEMBER_SEED_PATHS.map(loadGcpSeed),
  hierarchy: loadGcpHierarchy(HIERARCHY_PATH),
});

export interface GcpSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** The primary project. Default: fixtures/sandbox.json. */
  seed?: GcpSeed;
  /**
   * More projects on the same endpoint, each a full seed: a resource name's project (id or number, or `-` and the
   * account) picks one, and a key authenticates its account in all of them. e.g. `organisationSeeds().projects`.
   */
  projects?: readonly GcpSeed[];
  /**
   * The organization and folders above the projects (`fixtures/organisation.json`): each project inherits the
   * allow policies of its ancestors. Projects without a `parent` sit directly under the organization.
   */
  hierarchy?: GcpHierarchy;
  /** Load state from here if it exists, and rewrite it atomically after every change. */
  stateFile?: string;
  /** Simulated clock for JWT and key validity; default wall clock. */
  now?: () => Date;
  /** How long after a call its audit log entry is readable through entries.list (Cloud Logging's ingestion); 0. */
  auditLogDelayMs?: number;
  /** entries.list calls allowed a minute per consumer project; default 60, Cloud Logging's quota. */
  logReadsPerMinute?: number;
}

export interface GcpSimulator {
  /** e.g. http://127.0.0.1:41234/ — give it to `iam({ version: 'v1', rootUrl, auth })`. */
  readonly rootUrl: string;
  /** The primary project. */
  readonly projectId: string;
  /** Every project served, the primary first. */
  readonly projectIds: readonly string[];
  close(): Promise<void>;
  /** Restores the seeds (the primary project's from `seed` when given) and forgets mutations and faults. */
  reset(seed?: GcpSeed): void;
  /** What was changed in a project (id or number; default the primary; `'all'`: every project). */
  mutations(project?: string): MutationSummary;
  injectFault(fault: GcpFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  /** By email or unique id, in whichever project holds it; undefined for unknown accounts. */
  serviceAccount(email: string): { email: string; uniqueId: string; disabled: boolean; projectId: string } | undefined;
  /** By key id or key name (any project/account spelling); undefined for unknown or deleted keys. */
  key(name: string): { name: string; disabled: boolean; keyType: KeyType } | undefined;
  /** Every Cloud Audit Logs entry of a project (default the primary), oldest first, readable yet or not. */
  auditLog(project?: string): readonly LogEntry[];
  /** How long after a call its entry becomes readable (Cloud Logging: seconds, sometimes minutes). */
  setAuditLogDelay(ms: number): void;
  /** A service account's own allow policy (undefined until one is set), as getIamPolicy at version 3 shows it. */
  serviceAccountPolicy(emailOrId: string): { version: number; etag: string; bindings: Binding[] } | undefined;
}

export async function startGcpSimulator(options: GcpSimulatorOptions = {}): Promise<GcpSimulator> {
  const host = options.host ?? '127.0.0.1';
  const engine = new GcpEngine({
    seed: options.seed ?? loadGcpSeed(DEFAULT_SEED_PATH),
    ...(options.projects === undefined ? {} : { projects: options.projects }),
    ...(options.hierarchy === undefined ? {} : { hierarchy: options.hierarchy }),
    ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.auditLogDelayMs === undefined ? {} : { auditLogDelayMs: options.auditLogDelayMs }),
    ...(options.logReadsPerMinute === undefined ? {} : { logReadsPerMinute: options.logReadsPerMinute }),
  });
  // createAdaptorServer without serverOptions builds a plain node:http server.
  const server = createAdaptorServer({ fetch: createApp(engine).fetch, hostname: host }) as Server;
  const port = await listen(server, host, options.port ?? 0);

  return {
    rootUrl: `http://${hostPort(host, port)}/`,
    get projectId() {
      return engine.state.primaryId;
    },
    get projectIds() {
      return engine.projectIds;
    },
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.restore(seed),
    mutations: (project) => engine.mutationsIn(project),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    serviceAccount: (email) => {
      const found = findAccountAnywhere(engine.state, email);
      return (
        found && {
          email: found.account.email,
          uniqueId: found.account.uniqueId,
          disabled: found.account.disabled,
          projectId: found.project.projectId,
        }
      );
    },
    auditLog: (project) => engine.auditLog(project),
    setAuditLogDelay: (ms) => {
      engine.auditLogDelayMs = ms;
    },
    serviceAccountPolicy: (email) => {
      const policy = findAccountAnywhere(engine.state, email)?.account.iamPolicy;
      return policy && { version: policy.version, etag: policy.etag, bindings: policy.bindings.map(bindingOf) };
    },
    key: (name) => {
      const keyId = name.split('/').pop() ?? name;
      const project = projectOfKey(engine.state, keyId);
      const key = project?.keys.get(keyId);
      if (!project || !key || key.deleteTime !== undefined) return undefined;
      return { name: keyName(project, key), disabled: key.disabled, keyType: key.keyType };
    },
  };
}
