import { setTimeout as sleep } from 'node:timers/promises';
import type { RawRequest, RawResult } from '../shared/raw-app.js';
import { SeededEngine } from '../shared/seeded-engine.js';
import { gmailProfile, tokenInfo, TokenInfoError } from './app-side.js';
import { authenticate, type Caller } from './authn.js';
import { badRequest, GoogleApiError, insufficientScopes, notAuthorized, OAuthError, urlNotFound } from './errors.js';
import { FaultQueue, type FaultOutcome, type FaultTarget } from './faults.js';
import { MutationLog, type MutationEntry } from './mutations.js';
import type { OperationContext } from './operation-context.js';
import { OPERATIONS } from './operations.js';
import { MUTATING, route, type DirectoryOperation } from './routing.js';
import type { WorkspaceSeed } from './seed.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import { findUser, stateFromSeed, type WorkspaceState } from './state.js';
import { exchangeAssertion, EXPIRES_IN, peekAssertion } from './token-endpoint.js';

/** The raw request and reply shapes every JSON-over-HTTP simulator shares (simulators/shared/raw-app.ts). */
export type EngineRequest = RawRequest;
export type HttpResult = RawResult;

export interface WorkspaceEngineOptions {
  readonly seed: WorkspaceSeed;
  readonly stateFile?: string;
  /** Simulated clock (assertion and token lifetimes); defaults to the wall clock. */
  readonly now?: () => Date;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
/** Google pretty-prints JSON responses (prettyPrint defaults to true). */
const json = (status: number, body: object, headers: Record<string, string> = {}): HttpResult => ({
  status,
  headers: { 'content-type': JSON_TYPE, ...headers },
  body: `${JSON.stringify(body, null, 2)}\n`,
});
const noContent = (): HttpResult => ({ status: 204, headers: {}, body: '' });
const dropped = (): HttpResult => ({ status: 500, headers: {}, body: '', dropConnection: true });

function parseBody(method: string, text: string): Record<string, unknown> {
  if (method === 'GET' || method === 'DELETE' || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Invalid JSON payload received.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest();
  return parsed as Record<string, unknown>;
}

const safeDecode = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** The stateful core: the token endpoint, the Directory API methods and the app side, against one sandbox. */
export class WorkspaceEngine extends SeededEngine<WorkspaceSeed, WorkspaceState, FaultQueue, MutationLog> {
  constructor(options: WorkspaceEngineOptions) {
    super({
      ...options,
      faults: new FaultQueue(),
      mutations: new MutationLog(),
      fromSeed: stateFromSeed,
      load: loadStateFile,
      save: saveStateFile,
    });
  }

  /** Restores the seed, and forgets mutations and faults; tokens already issued stay valid (as at Google). */
  override reset(seed?: WorkspaceSeed): void {
    const issued = this.state.issued;
    super.reset(seed);
    for (const [token, record] of issued) this.state.issued.set(token, record);
    this.persist();
  }

  async handle(request: EngineRequest): Promise<HttpResult> {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
    const matched = route(request.method, path);
    try {
      if (!matched) throw urlNotFound(path);
      switch (matched.kind) {
        case 'token':
          return await this.token(request, path);
        case 'tokeninfo':
          return this.tokenInfo(request, query);
        case 'gmail.profile': {
          const now = this.now();
          return json(
            200,
            gmailProfile(
              this.state,
              this.faults.modes.view(this.state),
              request.headers['authorization'],
              matched.userId,
              now,
            ),
          );
        }
        case 'directory':
          return await this.directory(request, path, query, matched.operation, matched.userKey, matched.clientId);
      }
    } catch (error) {
      if (error instanceof GoogleApiError) return json(error.code, error.toBody(), error.headers);
      if (error instanceof OAuthError) return this.oauthError(error);
      const message = error instanceof Error ? error.message : String(error);
      return json(
        500,
        new GoogleApiError(500, `Backend Error (simulator: ${message})`, [
          { message: 'Backend Error', domain: 'global', reason: 'backendError' },
        ]).toBody(),
      );
    }
  }

  private oauthError(error: OAuthError): HttpResult {
    return json(error.httpStatus, error.toBody(), {
      'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
      pragma: 'no-cache',
      ...(error.failure === undefined ? {} : { 'x-sim-auth-failure': error.failure }),
      ...error.headers,
    });
  }

  /** Latency first; then a call whose client hung up meanwhile never lands; then the injected error, if any. */
  private async applyFault(fault: FaultOutcome | undefined, signal?: AbortSignal): Promise<'dropped' | undefined> {
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (signal?.aborted) return 'dropped';
    if (fault?.error) throw fault.error;
    return undefined;
  }

  private async token(request: EngineRequest, path: string): Promise<HttpResult> {
    const now = this.now();
    const form = new URLSearchParams(request.body);
    const peek = peekAssertion(form.get('assertion'));
    const account = peek.iss === undefined ? undefined : this.state.serviceAccounts.get(peek.iss);
    const subject = peek.sub === undefined ? undefined : findUser(this.state, peek.sub);
    const target: FaultTarget = {
      method: 'token',
      path: safeDecode(path),
      userNames: [...(peek.sub === undefined ? [] : [peek.sub]), ...namesOf(subject)],
      mutating: true,
      consumerProjectNumber: account?.projectNumber ?? '0',
    };
    const fault = this.faults.take(target);
    if ((await this.applyFault(fault, request.signal)) === 'dropped') return dropped();
    const log = (outcome: string, subjectEmail = peek.sub) =>
      this.mutations.recordToken({
        serviceAccount: peek.iss ?? '',
        ...(subjectEmail === undefined ? {} : { subject: subjectEmail }),
        scopes: peek.scopes,
        outcome,
        at: now.toISOString(),
      });
    let issued;
    try {
      issued = await exchangeAssertion(this.state, form, now);
    } catch (error) {
      if (error instanceof OAuthError) log(error.error);
      throw error;
    }
    if (fault?.lostWrite) {
      // Answered, but the token was never stored: the next call with it is refused as unknown.
      this.state.issued.delete(issued.accessToken);
    } else {
      log('issued', issued.subject);
      this.persist();
    }
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    if (fault?.lostResponse) return dropped();
    return json(
      200,
      { access_token: issued.accessToken, expires_in: EXPIRES_IN, token_type: 'Bearer' },
      { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' },
    );
  }

  private tokenInfo(request: EngineRequest, query: URLSearchParams): HttpResult {
    const token = query.get('access_token') ?? new URLSearchParams(request.body).get('access_token');
    try {
      return json(200, tokenInfo(this.state, this.faults.modes.view(this.state), token, this.now()));
    } catch (error) {
      if (!(error instanceof TokenInfoError)) throw error;
      return json(400, { error: error.message, error_description: 'Invalid Value' });
    }
  }

  private async directory(
    request: EngineRequest,
    path: string,
    query: URLSearchParams,
    operation: DirectoryOperation,
    userKey: string | undefined,
    clientId: string | undefined,
  ): Promise<HttpResult> {
    const now = this.now();
    const mutating = MUTATING.has(operation);
    const current = this.state;
    // Eventual consistency: reads, and the app tokens they authenticate, see the state as it was before changes
    // that have not propagated yet (simulators/shared/fault-modes.ts); writes act on the current state.
    const view = mutating ? current : this.faults.modes.view(current);
    const caller: Caller = authenticate(current, view, request.headers['authorization'], now);

    // Faults fire after authentication and before anything is checked or changed: a faulted call leaves no trace.
    const named = userKey === undefined ? undefined : findUser(view, userKey);
    const target: FaultTarget = {
      method: operation,
      path: safeDecode(path),
      userNames: [...(userKey === undefined ? [] : [userKey]), ...namesOf(named)],
      mutating,
      consumerProjectNumber: caller.consumerProjectNumber,
    };
    const fault = this.faults.take(target) ?? this.faults.random(target);
    if ((await this.applyFault(fault, request.signal)) === 'dropped') return dropped();

    const spec = OPERATIONS[operation];
    if (!caller.scopes.some((scope) => spec.scopes.includes(scope))) {
      throw insufficientScopes('admin.googleapis.com', spec.internalName, spec.scopes);
    }
    // Only an administrator may use the Directory API: the service account must impersonate one.
    if (!caller.user?.isAdmin) throw notAuthorized();

    const pending: Omit<MutationEntry, 'operation' | 'at'>[] = [];
    const context = (state: WorkspaceState): OperationContext => ({
      state,
      caller,
      operation,
      ...(userKey === undefined ? {} : { userKey }),
      ...(clientId === undefined ? {} : { clientId }),
      query,
      body: parseBody(request.method.toUpperCase(), request.body),
      hasBody: request.body.trim() !== '',
      now,
      mutated: (entry) => pending.push(entry),
    });

    if (mutating && fault?.lostWrite) {
      // A lost write answers what the write would have answered, from a copy that is then thrown away.
      return this.respond(spec.handler(context(structuredClone(current))));
    }
    const before = mutating && this.faults.modes.propagating ? structuredClone(current) : undefined;
    const result = spec.handler(context(view));
    for (const entry of pending) this.mutations.record({ operation, ...entry, at: now.toISOString() });
    if (pending.length > 0) {
      if (before !== undefined) this.faults.modes.changed(before);
      this.persist();
    }
    // A lost reply: the change above has committed; the caller then sees a reset connection or a late answer.
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    if (fault?.lostResponse) return dropped();
    return this.respond(result);
  }

  private respond(result: object | undefined): HttpResult {
    return result === undefined ? noContent() : json(200, result);
  }
}

function namesOf(user: { id: string; primaryEmail: string; aliases: string[] } | undefined): string[] {
  return user ? [user.id, user.primaryEmail, ...user.aliases] : [];
}
