import { setTimeout as sleep } from 'node:timers/promises';
import type { RawRequest, RawResult } from '../shared/raw-app.js';
import { SeededEngine } from '../shared/seeded-engine.js';
import { recordAudit } from './audit-log.js';
import { authenticate } from './authn.js';
import { exchangeJwtBearer, OAuthError } from './credentials.js';
import { GoogleApiError, invalidArgument, notFound } from './errors.js';
import { FaultQueue, quotaExceeded, type TargetProject } from './faults.js';
import type { GcpHierarchy } from './hierarchy.js';
import type { MutationEntry, MutationSummary } from './mutations.js';
import { ScopedMutationLog } from '../shared/mutation-log.js';
import { findAccount, type OperationContext } from './operation-context.js';
import { OPERATIONS } from './operations.js';
import { API_SCOPES, METHODS, route, type Route } from './routing.js';
import { parseGcpSeed, type GcpSeed } from './seed.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import {
  findAccountAnywhere,
  hierarchyFromSeed,
  organisationOf,
  primaryOf,
  projectOf,
  stateFromSeed,
  type GcpOrganisation,
  type GcpState,
  type ResourceHierarchy,
} from './state.js';

/** The raw request and reply shapes every JSON-over-HTTP simulator shares (simulators/shared/raw-app.ts). */
export type EngineRequest = RawRequest;
export type HttpResult = RawResult;

export interface GcpEngineOptions {
  /** The primary project. */
  readonly seed: GcpSeed;
  /** More projects on the same endpoint, each a full seed; a resource name's project picks one. */
  readonly projects?: readonly GcpSeed[];
  /** The organization and folders above the projects, whose allow policies the projects inherit. */
  readonly hierarchy?: GcpHierarchy;
  readonly stateFile?: string;
  /** Simulated clock (JWT and key validity, deletion times); defaults to the wall clock. */
  readonly now?: () => Date;
  /** How long after a call its audit log entry can be read (Cloud Logging's ingestion); 0 by default. */
  readonly auditLogDelayMs?: number;
  /** entries.list calls a consumer project may make a minute (Cloud Logging: 60). */
  readonly logReadsPerMinute?: number;
}

/** Cloud Logging's read quota: entries.list requests per minute per (consumer) project. */
export const LOG_READS_PER_MINUTE = 60;

function parseBody(method: string, text: string): Record<string, unknown> {
  if (method === 'GET' || method === 'DELETE' || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument('Invalid JSON payload received. Unexpected token.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidArgument('Invalid JSON payload received. Expected an object.');
  }
  return parsed as Record<string, unknown>;
}

const safeDecode = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/**
 * The project a route acts on: the one it names, or under `projects/-/` the account's, or for entries.list the
 * first project its body names; undefined if not served.
 */
function targetOf(org: GcpOrganisation, matched: Route, text: string): GcpState | undefined {
  if (matched.operation === 'entries.list') {
    try {
      const names = (JSON.parse(text) as { resourceNames?: unknown }).resourceNames;
      const first = Array.isArray(names) && typeof names[0] === 'string' ? names[0] : '';
      return projectOf(org, first.replace(/^projects\//, ''));
    } catch {
      return undefined;
    }
  }
  if (matched.project === '-') return findAccountAnywhere(org, matched.account)?.project;
  return projectOf(org, matched.project);
}

/** The stateful core: authenticates, authorizes and executes one IAM v1 REST request against the sandbox. */
export class GcpEngine extends SeededEngine<
  readonly GcpSeed[],
  GcpOrganisation,
  FaultQueue,
  ScopedMutationLog<MutationEntry>
> {
  private readonly members: readonly GcpSeed[];
  /** How long after a call its audit log entry can be read. */
  auditLogDelayMs: number;
  private readonly logReadsPerMinute: number;
  /** entries.list calls of the last minute, by consumer project number. */
  private readonly logReads = new Map<string, number[]>();

  constructor(options: GcpEngineOptions) {
    const members = options.projects ?? [];
    // The hierarchy is configuration, not state: always the option's, also over a state file.
    const hierarchy: ResourceHierarchy | undefined =
      options.hierarchy === undefined ? undefined : hierarchyFromSeed(options.hierarchy);
    super({
      ...options,
      seed: [options.seed, ...members],
      faults: new FaultQueue(),
      mutations: new ScopedMutationLog<MutationEntry>(
        (entry) => entry.operation,
        (entry) => entry.project,
      ),
      fromSeed: (seeds) => organisationOf(seeds.map(stateFromSeed), hierarchy),
      load: (path) => {
        const stored = loadStateFile(path);
        if (!stored) return undefined;
        // A project added to the options after the state file was written is seeded; stored ones keep their state.
        const ids = new Set(stored.map((s) => s.projectId));
        const added = members.filter((m) => !ids.has(parseGcpSeed(m).projectId)).map(stateFromSeed);
        return organisationOf([...stored, ...added], hierarchy);
      },
      save: saveStateFile,
    });
    this.members = members;
    this.auditLogDelayMs = options.auditLogDelayMs ?? 0;
    this.logReadsPerMinute = options.logReadsPerMinute ?? LOG_READS_PER_MINUTE;
  }

  /** Back to the seed: audit logs, tokens and the read quota too (they are in the state, or of it). */
  override reset(seed?: readonly GcpSeed[]): void {
    super.reset(seed);
    this.logReads.clear();
  }

  /** Every audit log entry of a project (id or number; default the primary), oldest first, readable yet or not. */
  auditLog(project: string = this.state.primaryId) {
    return (projectOf(this.state, project)?.auditLog ?? []).map((record) => record.entry);
  }

  /** Cloud Logging's read quota, a sliding minute per consumer project: 429 RESOURCE_EXHAUSTED past it. */
  private takeLogRead(consumerNumber: string, now: Date): void {
    const recent = (this.logReads.get(consumerNumber) ?? []).filter((t) => now.getTime() - t < 60_000);
    if (recent.length >= this.logReadsPerMinute) {
      this.logReads.set(consumerNumber, recent);
      throw quotaExceeded('logging.googleapis.com', 'Read requests', consumerNumber);
    }
    this.logReads.set(consumerNumber, [...recent, now.getTime()]);
  }

  /** The primary project's state. */
  get primary(): GcpState {
    return primaryOf(this.state);
  }

  /** Project ids served, the primary first. */
  get projectIds(): string[] {
    return [...this.state.projects.keys()];
  }

  /** What changed in a project (id or number; default the primary; `'all'`: every project). */
  mutationsIn(project: string = this.state.primaryId): MutationSummary {
    if (project === 'all') return this.mutations.summary('all');
    return this.mutations.summary(projectOf(this.state, project)?.projectId ?? project);
  }

  /** Restores the seeds: the primary project from `seed` when given, the other projects from theirs. */
  restore(seed?: GcpSeed): void {
    if (seed === undefined) return this.reset();
    const primaryId = parseGcpSeed(seed).projectId;
    this.reset([seed, ...this.members.filter((m) => parseGcpSeed(m).projectId !== primaryId)]);
  }

  async handle(request: EngineRequest): Promise<HttpResult> {
    if (request.method === 'POST' && request.url.split('?')[0] === '/token') return this.tokenEndpoint(request);
    try {
      const { body, dropConnection } = await this.execute(request);
      return { ...this.respond(200, body), ...(dropConnection ? { dropConnection } : {}) };
    } catch (error) {
      const apiError =
        error instanceof GoogleApiError
          ? error
          : new GoogleApiError(
              500,
              'INTERNAL',
              `Internal error encountered. (simulator: ${error instanceof Error ? error.message : String(error)})`,
            );
      return this.respond(apiError.code, apiError.toBody(), apiError.headers);
    }
  }

  /**
   * `POST /token`: the OAuth 2.0 token endpoint's JWT-bearer grant (credentials.ts), form- or JSON-encoded, as
   * oauth2.googleapis.com/token answers it. Not an API call: no audit log, no faults.
   */
  private async tokenEndpoint(request: EngineRequest): Promise<HttpResult> {
    const json = (status: number, body: object): HttpResult => ({
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify(body),
    });
    let form: URLSearchParams;
    try {
      form = request.body.trim().startsWith('{')
        ? new URLSearchParams(JSON.parse(request.body) as Record<string, string>)
        : new URLSearchParams(request.body);
    } catch {
      return json(400, { error: 'invalid_request', error_description: 'Unreadable request body.' });
    }
    try {
      const host = request.headers['host'];
      const answer = await exchangeJwtBearer(this.state, form, this.now(), host ? `http://${host}/token` : undefined);
      this.persist();
      return json(200, answer);
    } catch (error) {
      if (error instanceof OAuthError)
        return json(error.status, { error: error.error, error_description: error.description });
      throw error;
    }
  }

  private async execute(request: EngineRequest): Promise<{ body: object; dropConnection?: boolean }> {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const matched = route(request.method, path);
    if (!matched) throw notFound(`The requested URL ${path} was not found on this server.`);
    const info = METHODS[matched.operation];

    const now = this.now();
    const host = request.headers['host'];
    const audiences = [`https://${info.api}/`, ...(host ? [`http://${host}/`] : [])];
    const mutating = info.mutating;
    // Reads and writes as quotas and faults count them (entries.list and getIamPolicy are POSTs that read).
    const kind = info.permissionType === 'ADMIN_WRITE' ? 'POST' : 'GET';
    // Eventual consistency: reads, and the keys and tokens they authenticate, see the projects as they were
    // before changes that have not propagated yet (simulators/shared/fault-modes.ts).
    const org = mutating ? this.state : this.faults.modes.view(this.state);
    // A key authenticates its account in whichever project the account lives.
    const caller = await authenticate(org, request.headers['authorization'], now, {
      audiences,
      scopes: API_SCOPES[info.api],
    });

    // Faults fire after authentication and before anything changes: a faulted call leaves no trace. A fault for
    // one project hits calls on that project's resources; a 429 names the caller's own project as the consumer.
    const target = targetOf(org, matched, request.body);
    const targetProject: TargetProject | undefined = target && {
      projectId: target.projectId,
      projectNumber: target.projectNumber,
    };
    const fault =
      this.faults.take(matched, kind, safeDecode(path), targetProject, caller.projectNumber) ??
      this.faults.random(matched, kind, caller.projectNumber);
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    // Still in the network when its client hung up: it never reaches IAM, and nobody reads the reply.
    if (request.signal?.aborted) return { body: {}, dropConnection: true };
    if (fault?.error) throw fault.error;
    // The mutating methods all answer an empty message; a lost write answers the same and does nothing.
    if (fault?.lostWrite) return { body: {} };

    const before = mutating && this.faults.modes.propagating ? structuredClone(this.state) : undefined;
    const pending: MutationEntry[] = [];
    const ctx: OperationContext = {
      org,
      caller,
      route: matched,
      query: new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1)),
      body: parseBody(request.method, request.body),
      now,
      mutated: (project, changed) =>
        pending.push({ project, operation: matched.operation, target: changed, at: now.toISOString() }),
      audit: {},
      logging: {
        visibleAfterMs: this.auditLogDelayMs,
        takeReadQuota: (consumer) => this.takeLogRead(consumer, now),
      },
    };
    // The audit log of the project the target lives in gets the call, refused or not (Cloud Logging's own reads
    // are not audited here: Data Access logs are not enabled for it in the sandbox).
    const audited = matched.operation === 'entries.list' ? {} : findAccount({ org: this.state, route: matched });
    const audit = (error?: GoogleApiError) => {
      if (!audited.project) return;
      recordAudit({
        info,
        caller,
        route: matched,
        project: audited.project,
        account: audited.account,
        details: ctx.audit,
        error,
        now,
        ingestDelayMs: this.auditLogDelayMs,
        userAgent: request.headers['user-agent'],
      });
    };
    let result: object;
    try {
      result = OPERATIONS[matched.operation](ctx);
    } catch (error) {
      if (error instanceof GoogleApiError) {
        audit(error);
        if (audited.project) this.persist();
      }
      throw error;
    }
    for (const entry of pending) this.mutations.record(entry);
    if (before !== undefined && pending.length > 0) this.faults.modes.changed(before);
    audit();
    if (pending.length > 0 || audited.project || mutating) this.persist();
    // A lost reply: the change above has committed; the caller then sees a reset connection or a late answer.
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    return { body: result, ...(fault?.lostResponse ? { dropConnection: true } : {}) };
  }

  private respond(status: number, body: object, headers: Record<string, string> = {}): HttpResult {
    return {
      status,
      headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
      // Google pretty-prints its JSON responses with two-space indentation.
      body: `${JSON.stringify(body, null, 2)}\n`,
    };
  }
}
