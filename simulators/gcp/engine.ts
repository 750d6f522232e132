import { setTimeout as sleep } from 'node:timers/promises';
import { MutationLog } from '../shared/mutation-log.js';
import { SeededEngine } from '../shared/seeded-engine.js';
import { authenticate } from './authn.js';
import { GoogleApiError, invalidArgument, notFound } from './errors.js';
import { FaultQueue } from './faults.js';
import type { MutationEntry } from './mutations.js';
import type { OperationContext } from './operation-context.js';
import { OPERATIONS } from './operations.js';
import { route } from './routing.js';
import type { GcpSeed } from './seed.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import { stateFromSeed, type GcpState } from './state.js';

export interface EngineRequest {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** Aborts when the client closes the connection; a request held by a latency fault then never lands. */
  readonly signal?: AbortSignal;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** A lost reply (an injected fault): the server resets the connection instead of answering. */
  readonly dropConnection?: boolean;
}

export interface GcpEngineOptions {
  readonly seed: GcpSeed;
  readonly stateFile?: string;
  /** Simulated clock (JWT and key validity, deletion times); defaults to the wall clock. */
  readonly now?: () => Date;
}

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

/** The stateful core: authenticates, authorizes and executes one IAM v1 REST request against the sandbox. */
export class GcpEngine extends SeededEngine<GcpSeed, GcpState, FaultQueue, MutationLog<MutationEntry>> {
  constructor(options: GcpEngineOptions) {
    super({
      ...options,
      faults: new FaultQueue(),
      mutations: new MutationLog<MutationEntry>((entry) => entry.operation),
      fromSeed: stateFromSeed,
      load: loadStateFile,
      save: saveStateFile,
    });
  }

  async handle(request: EngineRequest): Promise<HttpResult> {
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

  private async execute(request: EngineRequest): Promise<{ body: object; dropConnection?: boolean }> {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const matched = route(request.method, path);
    if (!matched) throw notFound(`The requested URL ${path} was not found on this server.`);

    const now = this.now();
    const host = request.headers['host'];
    const audiences = ['https://iam.googleapis.com/', ...(host ? [`http://${host}/`] : [])];
    const mutating = request.method.toUpperCase() !== 'GET';
    // Eventual consistency: reads, and the keys and tokens they authenticate, see the project as it was before
    // changes that have not propagated yet (simulators/shared/fault-modes.ts).
    const state = mutating ? this.state : this.faults.modes.view(this.state);
    const caller = await authenticate(state, request.headers['authorization'], now, audiences);

    // Faults fire after authentication and before anything changes: a faulted call leaves no trace.
    const { projectNumber } = this.state;
    const fault =
      this.faults.take(matched, request.method, safeDecode(path), projectNumber) ??
      this.faults.random(matched, request.method, projectNumber);
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    // Still in the network when its client hung up: it never reaches IAM, and nobody reads the reply.
    if (request.signal?.aborted) return { body: {}, dropConnection: true };
    if (fault?.error) throw fault.error;
    // The mutating methods all answer an empty message; a lost write answers the same and does nothing.
    if (fault?.lostWrite) return { body: {} };

    const before = mutating && this.faults.modes.propagating ? structuredClone(this.state) : undefined;
    const pending: MutationEntry[] = [];
    const ctx: OperationContext = {
      state,
      caller,
      route: matched,
      query: new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1)),
      body: parseBody(request.method, request.body),
      now,
      mutated: (target) => pending.push({ operation: matched.operation, target, at: now.toISOString() }),
    };
    const result = OPERATIONS[matched.operation](ctx);
    for (const entry of pending) this.mutations.record(entry);
    if (before !== undefined && pending.length > 0) this.faults.modes.changed(before);
    if (pending.length > 0) this.persist();
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
