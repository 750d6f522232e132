import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AadError, aadErrorBody, aadFault, tenantNotFound } from './aad-errors.js';
import { verifyAccessToken } from './access-tokens.js';
import { recordAudit, recordSignIn, type AuditEvent, type SignInTrace } from './audit-records.js';
import { FaultQueue } from './faults.js';
import type { GraphCall } from './graph-call.js';
import { GraphError, graphFault, invalidToken } from './graph-errors.js';
import { routeGraph } from './graph-router.js';
import { MutationLog, type MutationEntry } from './mutations.js';
import type { EntraSeed } from './seed.js';
import { newSigningKey, type SigningKey } from './signing-key.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import { namesTenant, stateFromSeed, type SimState } from './state.js';
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
  /** The caller's address, for the audit log (`initiatedBy.user.ipAddress`). */
  readonly clientIp?: string;
}

export interface TokenRequest {
  readonly tenantSegment: string;
  readonly form: URLSearchParams;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly origin: string;
  /** The caller's address, for the sign-in log. */
  readonly clientIp?: string;
}

const LOOPBACK = '127.0.0.1';

export interface EntraEngineOptions {
  /** The primary tenant. */
  readonly seed: EntraSeed;
  /** More tenants served on the same endpoint, each a full seed. */
  readonly tenants?: readonly EntraSeed[];
  readonly stateFile?: string;
  /** Simulated clock (token iat/exp, credential expiry, session revocation); defaults to the wall clock. */
  readonly now?: () => Date;
}

const GRAPH_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Graph's innerError.date: seconds, no zone designator. */
const graphDate = (date: Date): string => date.toISOString().slice(0, 19);

/** Every tenant served, by lower-case tenant id; the primary tenant first. */
export type Directory = Map<string, SimState>;

/** Tenant ids and verified domains must name one tenant each: the token endpoint path picks by either. */
function directoryOf(states: readonly SimState[]): Directory {
  const directory: Directory = new Map();
  const names = new Set<string>();
  for (const state of states) {
    for (const name of [state.tenant.id, ...state.tenant.domains.map((d) => d.toLowerCase())]) {
      if (names.has(name)) throw new Error(`Entra simulator: two tenants are named ${name} (tenant id or domain)`);
      names.add(name);
    }
    directory.set(state.tenant.id, state);
  }
  return directory;
}

/** The stateful core: token endpoint and Graph against the sandbox tenants (one primary, any number more). */
export class EntraEngine {
  readonly faults = new FaultQueue();
  readonly mutations: MutationLog;
  /**
   * The audit and sign-in logs show a record this long after it happened (Entra: typically a few minutes, "How long
   * does Microsoft Entra ID take to show the data"); 0 by default.
   */
  logDelayMs = 0;
  readonly now: () => Date;
  private primaryTenantIdValue: string;
  private directory: Directory;
  private key: SigningKey;
  private readonly baseline: EntraSeed;
  private readonly extraBaselines: readonly EntraSeed[];
  private readonly stateFile: string | undefined;

  constructor(options: EntraEngineOptions) {
    this.baseline = options.seed;
    this.extraBaselines = options.tenants ?? [];
    this.stateFile = options.stateFile;
    this.now = options.now ?? (() => new Date());
    const stored = this.stateFile === undefined ? undefined : loadStateFile(this.stateFile);
    const states = stored ? [stored.state, ...stored.tenants] : [stateFromSeed(options.seed)];
    // A tenant added to the options after the state file was written is seeded; the stored ones keep their state.
    const storedIds = new Set(states.map((s) => s.tenant.id));
    for (const seed of this.extraBaselines) {
      if (!storedIds.has(seed.tenant.id.toLowerCase())) states.push(stateFromSeed(seed));
    }
    this.directory = directoryOf(states);
    this.primaryTenantIdValue = states[0]?.tenant.id ?? '';
    this.mutations = new MutationLog(() => this.primaryTenantIdValue);
    this.key = stored?.signingKey ?? newSigningKey();
    this.persist();
  }

  get primaryTenantId(): string {
    return this.primaryTenantIdValue;
  }

  /** The primary tenant's state. */
  get state(): SimState {
    return this.primary(this.directory);
  }

  get tenantIds(): string[] {
    return [...this.directory.keys()];
  }

  tenantState(tenantId: string): SimState | undefined {
    return this.directory.get(tenantId.toLowerCase());
  }

  private primary(directory: Directory): SimState {
    const state = directory.get(this.primaryTenantId);
    if (!state) throw new Error('Entra simulator: primary tenant missing');
    return state;
  }

  /**
   * The tenant a login path segment names: its id or a verified domain; `common` and `organizations` stand for
   * the primary tenant, as they did when the simulator served one tenant.
   */
  resolveTenant(segment: string, directory: Directory = this.directory): SimState | undefined {
    const wanted = segment.toLowerCase();
    if (wanted === 'common' || wanted === 'organizations') return this.primary(directory);
    return [...directory.values()].find((state) => namesTenant(state.tenant, wanted));
  }

  get signingKey(): SigningKey {
    return this.key;
  }

  /**
   * Restores the seed (the one given, else the original) and forgets mutations and faults. The signing key is
   * kept, so tokens issued before a reset still verify — as a real tenant's would.
   */
  reset(seed?: EntraSeed): void {
    const primary = stateFromSeed(seed ?? this.baseline);
    this.primaryTenantIdValue = primary.tenant.id;
    this.directory = directoryOf([
      primary,
      ...this.extraBaselines.filter((s) => s.tenant.id.toLowerCase() !== primary.tenant.id).map(stateFromSeed),
    ]);
    this.faults.clear();
    this.mutations.clear();
    this.persist();
  }

  persist(): void {
    if (this.stateFile === undefined) return;
    const [, ...others] = this.directory.values();
    saveStateFile(this.stateFile, this.state, this.key, others);
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
    const tenant = this.resolveTenant(path.split('/')[1] ?? '')?.tenant;
    const fault = this.faults.take(method, path, tenant);
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
    const directory = this.faults.modes.view(this.directory);
    let tenantId: string | null = null;
    const trace: SignInTrace = {};
    const correlationId = this.correlationId(request);
    // The sign-in log is the current directory's, whatever view of it the request authenticated against.
    const signedIn = (error?: AadError) => {
      const current = tenantId === null ? undefined : this.directory.get(tenantId);
      if (!current || !trace.sp) return;
      recordSignIn(current, trace, {
        at,
        correlationId,
        ipAddress: request.clientIp ?? LOOPBACK,
        ...(error ? { error: { code: error.code, description: error.description } } : {}),
      });
      this.persist();
    };
    try {
      const state = this.resolveTenant(request.tenantSegment, directory);
      if (!state) throw tenantNotFound(request.tenantSegment);
      const { tenant } = state;
      tenantId = tenant.id;
      const result = await handleTokenRequest(
        {
          state,
          directory,
          tenant,
          key: this.key,
          now: at,
          origin: request.origin,
          tenantSegment: request.tenantSegment,
          trace,
        },
        request.form,
      );
      this.mutations.recordToken({
        tenantId,
        grantType,
        clientId,
        outcome: 'issued',
        at: at.toISOString(),
        subject: result.subject,
      });
      const current = this.directory.get(tenant.id);
      if (result.changed && current && state !== current) keepIssuedRefreshTokens(state, current);
      if (result.changed) this.persist();
      signedIn();
      return {
        status: 200,
        headers: { ...this.tokenHeaders(request, correlationId), 'content-type': JSON_CONTENT_TYPE },
        body: JSON.stringify(result.body),
      };
    } catch (caught) {
      const error =
        caught instanceof AadError
          ? caught
          : new AadError(500, 'server_error', 90033, caught instanceof Error ? caught.message : String(caught));
      this.mutations.recordToken({
        tenantId,
        grantType,
        clientId,
        outcome: `AADSTS${error.code}`,
        at: at.toISOString(),
      });
      signedIn(error);
      return this.tokenFailure(error, request, request.origin, correlationId);
    }
  }

  private tokenHeaders(
    request: Partial<TokenRequest>,
    correlationId = this.correlationId(request),
  ): Record<string, string> {
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

  private tokenFailure(
    error: AadError,
    request: Partial<TokenRequest>,
    origin: string,
    correlationId?: string,
  ): HttpResult {
    const headers = this.tokenHeaders(request, correlationId);
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
    // The token's `tid` picks the tenant (whose issuer it must carry); the others' directories stay invisible.
    const current = this.directory.get(tokenTenant(bearer)) ?? this.state;
    const tenantId = current.tenant.id;
    const check = await verifyAccessToken(bearer, this.key, tenantId, now);
    if (!check.ok) throw invalidToken(check.message);
    if (check.claims.tid.toLowerCase() !== tenantId) throw invalidToken('Invalid tenant.');

    // Faults fire after authentication and before anything changes: a faulted call leaves no trace.
    const fault = this.faults.take(request.method, request.path, current.tenant) ?? this.faults.random(request.method);
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    // Still in the network when its client hung up: it never reaches Graph, and nobody reads the reply.
    if (request.signal?.aborted) return { result: { status: 499 }, dropConnection: true };
    if (fault?.status !== undefined) throw graphFault(fault.status, fault.retryAfterSeconds, fault.message);

    const version = request.path.startsWith('/beta') ? 'beta' : 'v1.0';
    const below = request.path.replace(/^\/(?:v1\.0|beta)/, '');
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
    const visible = mutating ? current : (this.faults.modes.view(this.directory).get(tenantId) ?? current);
    const before =
      mutating && !fault?.lostWrite && this.faults.modes.propagating ? structuredClone(this.directory) : undefined;
    const pending: MutationEntry[] = [];
    const audits: AuditEvent[] = [];
    const call: GraphCall = {
      version,
      method: request.method,
      segments,
      query: request.query,
      body,
      caller: check.claims,
      // A lost write runs the real route against a copy, so the reply is genuine and nothing changes.
      state: fault?.lostWrite ? structuredClone(visible) : visible,
      now,
      logDelayMs: this.logDelayMs,
      graphBase: `${request.origin}/${version}`,
      path: below,
      mutated: (operation, target, detail) =>
        pending.push({
          tenantId,
          operation,
          target,
          at: now.toISOString(),
          ...(detail === undefined ? {} : { detail }),
        }),
      audited: (event) => audits.push(event),
    };
    const result = await routeGraph(call);
    if (fault?.lostWrite) return { result };
    for (const entry of pending) this.mutations.record(entry);
    const correlationId = request.headers['client-request-id'] ?? randomUUID();
    for (const event of audits) {
      recordAudit(current, event, {
        caller: check.claims,
        at: now,
        correlationId,
        ipAddress: request.clientIp ?? LOOPBACK,
      });
    }
    if (before !== undefined && pending.length > 0) this.faults.modes.changed(before);
    if (pending.length > 0 || audits.length > 0) this.persist();
    // A lost reply: the change above has committed; the caller then sees a reset connection or a late answer.
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    return { result, ...(fault?.lostResponse ? { dropConnection: true } : {}) };
  }
}

/** The `tid` claim, read before verification to pick the tenant whose issuer the token must carry. */
function tokenTenant(bearer: string): string {
  try {
    const tid = decodeJwt(bearer).tid;
    return typeof tid === 'string' ? tid.toLowerCase() : '';
  } catch {
    return '';
  }
}

/** Refresh tokens a redemption against a lagging view issued are real: they join the current directory. */
function keepIssuedRefreshTokens(view: SimState, current: SimState): void {
  for (const [token, record] of view.refreshTokens) {
    if (!current.refreshTokens.has(token)) current.refreshTokens.set(token, record);
  }
}
