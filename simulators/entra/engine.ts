import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AadError, aadErrorBody, aadFault, tenantNotFound } from './aad-errors.js';
import { verifyAccessToken } from './access-tokens.js';
import { FaultQueue } from './faults.js';
import type { GraphCall } from './graph-call.js';
import { GraphError, graphFault, invalidToken } from './graph-errors.js';
import { routeGraph } from './graph-router.js';
import { MutationLog, type MutationEntry } from './mutations.js';
import type { EntraSeed } from './seed.js';
import { newSigningKey, type SigningKey } from './signing-key.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import { resolveTenant, stateFromSeed, type SimState } from './state.js';
import { handleTokenRequest } from './token-endpoint.js';

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  /** A lost reply (an injected fault): the server resets the connection instead of answering. */
  readonly dropConnection?: boolean;
}

export interface GraphRequest {
  readonly method: string;
  /** Full path, e.g. /v1.0/users/adele@contoso.example (still percent-encoded). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
  readonly bodyText: string;
  /** e.g. https://localhost:41234 */
  readonly origin: string;
  /** Aborts when the client closes the connection; a request held by a latency fault then never lands. */
  readonly signal?: AbortSignal;
}

export interface TokenRequest {
  readonly tenantSegment: string;
  readonly form: URLSearchParams;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly origin: string;
}

export interface EntraEngineOptions {
  readonly seed: EntraSeed;
  readonly stateFile?: string;
  /** Simulated clock (token iat/exp, credential expiry, session revocation); defaults to the wall clock. */
  readonly now?: () => Date;
}

const GRAPH_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Graph's innerError.date: seconds, no zone designator. */
const graphDate = (date: Date): string => date.toISOString().slice(0, 19);

/** The stateful core: token endpoint and Graph against one sandbox tenant. */
export class EntraEngine {
  readonly faults = new FaultQueue();
  readonly mutations = new MutationLog();
  readonly now: () => Date;
  private current: SimState;
  private key: SigningKey;
  private readonly baseline: EntraSeed;
  private readonly stateFile: string | undefined;

  constructor(options: EntraEngineOptions) {
    this.baseline = options.seed;
    this.stateFile = options.stateFile;
    this.now = options.now ?? (() => new Date());
    const stored = this.stateFile === undefined ? undefined : loadStateFile(this.stateFile);
    this.current = stored?.state ?? stateFromSeed(options.seed);
    this.key = stored?.signingKey ?? newSigningKey();
    this.persist();
  }

  get state(): SimState {
    return this.current;
  }

  get signingKey(): SigningKey {
    return this.key;
  }

  /**
   * Restores the seed (the one given, else the original) and forgets mutations and faults. The signing key is
   * kept, so tokens issued before a reset still verify — as a real tenant's would.
   */
  reset(seed?: EntraSeed): void {
    this.current = stateFromSeed(seed ?? this.baseline);
    this.faults.clear();
    this.mutations.clear();
    this.persist();
  }

  persist(): void {
    if (this.stateFile !== undefined) saveStateFile(this.stateFile, this.current, this.key);
  }

  /**
   * Applies an injected fault to a login (token/discovery) request; undefined when none fires. A request held by
   * latency whose client hung up (`signal` aborted) never reaches the endpoint: the result drops the connection.
   */
  async loginFault(
    method: string,
    path: string,
    origin: string,
    signal?: AbortSignal,
  ): Promise<HttpResult | undefined> {
    const fault = this.faults.take(method, path);
    if (!fault) return undefined;
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (signal?.aborted) return { status: 499, headers: {}, body: null, dropConnection: true };
    if (fault.status === undefined) return undefined;
    return this.tokenFailure(aadFault(fault.status, fault.retryAfterSeconds, fault.message), {}, origin);
  }

  async handleToken(request: TokenRequest): Promise<HttpResult> {
    const grantType = request.form.get('grant_type') ?? '';
    const clientId = (request.form.get('client_id') ?? '').toLowerCase();
    const at = this.now();
    // Eventual consistency: a revoked refresh token or removed secret keeps working until the change propagates.
    const state = this.faults.modes.view(this.current);
    try {
      const tenant = resolveTenant(state, request.tenantSegment);
      if (!tenant) throw tenantNotFound(request.tenantSegment);
      const result = await handleTokenRequest(
        {
          state,
          tenant,
          key: this.key,
          now: at,
          origin: request.origin,
          tenantSegment: request.tenantSegment,
        },
        request.form,
      );
      this.mutations.recordToken({
        grantType,
        clientId,
        outcome: 'issued',
        at: at.toISOString(),
        subject: result.subject,
      });
      if (result.changed && state !== this.current) keepIssuedRefreshTokens(state, this.current);
      if (result.changed) this.persist();
      return {
        status: 200,
        headers: { ...this.tokenHeaders(request), 'content-type': JSON_CONTENT_TYPE },
        body: JSON.stringify(result.body),
      };
    } catch (caught) {
      const error =
        caught instanceof AadError
          ? caught
          : new AadError(500, 'server_error', 90033, caught instanceof Error ? caught.message : String(caught));
      this.mutations.recordToken({ grantType, clientId, outcome: `AADSTS${error.code}`, at: at.toISOString() });
      return this.tokenFailure(error, request, request.origin);
    }
  }

  private tokenHeaders(request: Partial<TokenRequest>): Record<string, string> {
    const correlationId = this.correlationId(request);
    return {
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': randomUUID(),
      'client-request-id': correlationId,
    };
  }

  private correlationId(request: Partial<TokenRequest>): string {
    return (
      request.form?.get('client-request-id') ??
      request.query?.get('client-request-id') ??
      request.headers?.['client-request-id'] ??
      request.headers?.['x-ms-client-request-id'] ??
      randomUUID()
    );
  }

  private tokenFailure(error: AadError, request: Partial<TokenRequest>, origin: string): HttpResult {
    const headers = this.tokenHeaders(request);
    const body = aadErrorBody(
      error,
      {
        traceId: headers['x-ms-request-id'] ?? randomUUID(),
        correlationId: headers['client-request-id'] ?? randomUUID(),
      },
      this.now(),
      origin,
    );
    return {
      status: error.status,
      headers: { ...headers, ...error.headers, 'content-type': JSON_CONTENT_TYPE },
      body: JSON.stringify(body),
    };
  }

  async handleGraph(request: GraphRequest): Promise<HttpResult> {
    const requestId = randomUUID();
    const clientRequestId = request.headers['client-request-id'] ?? requestId;
    const now = this.now();
    const headers = { 'request-id': requestId, 'client-request-id': clientRequestId };
    try {
      const { result, dropConnection } = await this.executeGraph(request, now);
      return {
        status: result.status,
        headers: { ...headers, ...(result.body === undefined ? {} : { 'content-type': GRAPH_CONTENT_TYPE }) },
        body: result.body === undefined ? null : JSON.stringify(result.body),
        ...(dropConnection ? { dropConnection } : {}),
      };
    } catch (error) {
      const graphError =
        error instanceof GraphError
          ? error
          : new GraphError(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      return {
        status: graphError.status,
        headers: {
          ...headers,
          ...graphError.headers,
          ...(graphError.status === 401
            ? {
                'www-authenticate': `Bearer realm="", authorization_uri="${request.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
              }
            : {}),
          'content-type': GRAPH_CONTENT_TYPE,
        },
        body: JSON.stringify({
          error: {
            code: graphError.code,
            message: graphError.message,
            innerError: { date: graphDate(now), 'request-id': requestId, 'client-request-id': clientRequestId },
          },
        }),
      };
    }
  }

  private async executeGraph(request: GraphRequest, now: Date) {
    const authorization = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.*)$/i.exec(authorization)?.[1]?.trim() ?? '';
    const check = await verifyAccessToken(bearer, this.key, this.current.tenant.id, now);
    if (!check.ok) throw invalidToken(check.message);

    // Faults fire after authentication and before anything changes: a faulted call leaves no trace.
    const fault = this.faults.take(request.method, request.path) ?? this.faults.random(request.method);
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    // Still in the network when its client hung up: it never reaches Graph, and nobody reads the reply.
    if (request.signal?.aborted) return { result: { status: 499 }, dropConnection: true };
    if (fault?.status !== undefined) throw graphFault(fault.status, fault.retryAfterSeconds, fault.message);

    const below = request.path.replace(/^\/v1\.0/, '');
    let segments: string[];
    try {
      segments = below
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      throw new GraphError(400, 'BadRequest', `The request URI '${request.path}' is not valid.`);
    }
    let body: unknown;
    if (request.bodyText.trim() !== '') {
      try {
        body = JSON.parse(request.bodyText) as unknown;
      } catch {
        throw new GraphError(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
      }
    }
    const mutating = request.method.toUpperCase() !== 'GET';
    // Eventual consistency: reads see the directory as it was before changes that have not propagated yet.
    const visible = mutating ? this.current : this.faults.modes.view(this.current);
    const before =
      mutating && !fault?.lostWrite && this.faults.modes.propagating ? structuredClone(this.current) : undefined;
    const pending: MutationEntry[] = [];
    const call: GraphCall = {
      method: request.method,
      segments,
      query: request.query,
      body,
      caller: check.claims,
      // A lost write runs the real route against a copy, so the reply is genuine and nothing changes.
      state: fault?.lostWrite ? structuredClone(visible) : visible,
      now,
      graphBase: `${request.origin}/v1.0`,
      path: below,
      mutated: (operation, target, detail) =>
        pending.push({ operation, target, at: now.toISOString(), ...(detail === undefined ? {} : { detail }) }),
    };
    const result = await routeGraph(call);
    if (fault?.lostWrite) return { result };
    for (const entry of pending) this.mutations.record(entry);
    if (before !== undefined && pending.length > 0) this.faults.modes.changed(before);
    if (pending.length > 0) this.persist();
    // A lost reply: the change above has committed; the caller then sees a reset connection or a late answer.
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    return { result, ...(fault?.lostResponse ? { dropConnection: true } : {}) };
  }
}

/** Refresh tokens a redemption against a lagging view issued are real: they join the current directory. */
function keepIssuedRefreshTokens(view: SimState, current: SimState): void {
  for (const [token, record] of view.refreshTokens) {
    if (!current.refreshTokens.has(token)) current.refreshTokens.set(token, record);
  }
}
