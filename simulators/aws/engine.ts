import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeededEngine } from '../shared/seeded-engine.js';
import type { ActionContext, ActionHandler } from './action-context.js';
import { resourceLabel } from './arn.js';
import { authenticate, readSignature } from './authn.js';
import { EventHistory } from './cloudtrail.js';
import { decide, notAuthorizedMessage } from './authz.js';
import { accessDenied, authError, AwsError, toS3Error, type AwsService } from './errors.js';
import { FaultQueue } from './faults.js';
import { IAM_ACTIONS } from './iam-actions.js';
import type { MutationEntry, MutationSummary } from './mutations.js';
import { ScopedMutationLog } from '../shared/mutation-log.js';
import { QueryParams } from './params.js';
import { callerArn, contextKeys, policyLayers, type Caller } from './principal.js';
import { API_VERSIONS, detectService, isSupportedService, queryParameters, resolveAction } from './routing.js';
import { listBuckets } from './s3-actions.js';
import { parseAwsSeed, type AwsSeed } from './seed.js';
import type { ReceivedRequest } from './sigv4.js';
import { loadStateFile, saveStateFile } from './state-file.js';
import {
  accountOfKey,
  organisationOf,
  primaryOf,
  stateFromSeed,
  type SimOrganisation,
  type SimState,
} from './state.js';
import { STS_ACTIONS } from './sts-actions.js';
import { isoSeconds } from './time.js';
import { IAM_NAMESPACE, queryErrorResponse, queryResponse, s3Document, s3ErrorDocument, STS_NAMESPACE } from './xml.js';

export interface EngineRequest extends ReceivedRequest {
  readonly sourceIp?: string;
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

interface ExecutedCall {
  readonly body: string;
  readonly dropConnection?: boolean;
}

/** Reads change nothing (GetCallerIdentity, S3 ListBuckets included); everything else may. */
const isReadAction = (action: string) =>
  /^(?:Get|List|Simulate)/.test(action) && !/^Get(?:SessionToken|FederationToken)$/.test(action);

/**
 * An injected AccessDenied without its own message reads as IAM's own refusal, naming the caller and the
 * permission (IAM API reference, "Common Errors"; the message shape of a missing identity-based allow).
 */
function withAccessDeniedDetail(
  error: AwsError,
  caller: Caller,
  accountId: string,
  service: AwsService,
  action: string,
  params: URLSearchParams,
): AwsError {
  if (error.code !== 'AccessDenied' || error.message !== 'Access Denied' || service === 's3') return error;
  const userName = params.get('UserName');
  const roleName = params.get('RoleName');
  const resource = userName ? `user ${userName}` : roleName ? `role ${roleName}` : '*';
  const permission = `${service}:${action}`;
  return new AwsError(
    'AccessDenied',
    `User: ${callerArn(caller, accountId)} is not authorized to perform: ${permission} on resource: ${resource} because no identity-based policy allows the ${permission} action`,
    403,
  );
}

export interface AwsEngineOptions {
  /** The primary account. */
  readonly seed: AwsSeed;
  /** Member accounts served on the same endpoint, each a full seed; a request's access key picks its account. */
  readonly accounts?: readonly AwsSeed[];
  readonly stateFile?: string;
  /** Simulated clock (session expiry, issue times, aws:CurrentTime); defaults to the wall clock. */
  readonly now?: () => Date;
}

const HANDLERS: Record<Exclude<AwsService, 's3'>, ReadonlyMap<string, ActionHandler>> = {
  iam: IAM_ACTIONS,
  sts: STS_ACTIONS,
};
const S3_HANDLERS: ReadonlyMap<string, ActionHandler> = new Map([['ListBuckets', listBuckets]]);

/**
 * Documented STS limits: credentials from GetFederationToken may call no IAM API, and GetSessionToken
 * credentials may call IAM only with MFA context (never modelled here). IAM answers such calls with
 * InvalidClientTokenId rather than AccessDenied, so they fail before any policy evaluation.
 */
function assertServiceReachable(caller: Caller, service: AwsService): void {
  if (service === 'iam' && (caller.type === 'federation' || caller.type === 'session')) {
    throw authError('iam', 'bad-token');
  }
}

/** The stateful core: authenticates, authorizes and executes one AWS request against the sandbox state. */
export class AwsEngine extends SeededEngine<
  readonly AwsSeed[],
  SimOrganisation,
  FaultQueue,
  ScopedMutationLog<MutationEntry>
> {
  private readonly members: readonly AwsSeed[];
  /** CloudTrail's event history: every authenticated call in every account (simulators/aws/cloudtrail.ts). */
  readonly trail = new EventHistory();

  constructor(options: AwsEngineOptions) {
    const members = options.accounts ?? [];
    const seeded = (seeds: readonly AwsSeed[]) => organisationOf(seeds.map(stateFromSeed));
    super({
      ...options,
      seed: [options.seed, ...members],
      faults: new FaultQueue(),
      mutations: new ScopedMutationLog<MutationEntry>(
        (entry) => entry.action,
        (entry) => entry.account,
      ),
      fromSeed: seeded,
      load: (path) => {
        const stored = loadStateFile(path);
        if (!stored) return undefined;
        // A member added to the options after the state file was written is seeded; stored accounts keep their state.
        const ids = new Set(stored.map((s) => s.accountId));
        return organisationOf([...stored, ...members.filter((m) => !ids.has(m.accountId)).map(stateFromSeed)]);
      },
      save: saveStateFile,
    });
    this.members = members;
  }

  /** Back to the seed: the event history too. */
  override reset(seed?: readonly AwsSeed[]): void {
    super.reset(seed);
    this.trail.clear();
  }

  /** The primary account's state. */
  get primary(): SimState {
    return primaryOf(this.state);
  }

  /** What Revoker changed in `accountId` (default: the primary account; `'all'`: every account). */
  mutationsIn(accountId: string = this.state.primaryId): MutationSummary {
    return this.mutations.summary(accountId);
  }

  /** Restores the seeds: the primary account from `seed` when given, the members from theirs. */
  restore(seed?: AwsSeed): void {
    if (seed === undefined) return this.reset();
    const primaryId = parseAwsSeed(seed).accountId;
    this.reset([seed, ...this.members.filter((m) => m.accountId !== primaryId)]);
  }

  /** Ends every temporary credential of `accountId` (default: all accounts) now, as if its time had run out. */
  expireSessions(accountId?: string): number {
    const ended = isoSeconds(new Date(this.now().getTime() - 1000));
    let count = 0;
    for (const state of this.state.accounts.values()) {
      if (accountId !== undefined && state.accountId !== accountId) continue;
      for (const [id, session] of state.sessions) {
        if (Date.parse(session.expiresAt) <= Date.parse(ended)) continue;
        state.sessions.set(id, { ...session, expiresAt: ended });
        count += 1;
      }
    }
    this.persist();
    return count;
  }

  async handle(request: EngineRequest): Promise<HttpResult> {
    const requestId = randomUUID();
    const detected = detectService(request);
    const service = isSupportedService(detected) ? detected : undefined;
    if (detected === 'cloudtrail') return this.cloudTrail(request, requestId);
    try {
      if (!service) {
        throw new AwsError('InvalidAction', `This simulator does not implement the AWS service '${detected}'.`, 400);
      }
      const { body, dropConnection } = await this.execute(service, request, requestId);
      return { ...this.success(service, body, requestId), ...(dropConnection ? { dropConnection } : {}) };
    } catch (error) {
      const awsError =
        error instanceof AwsError
          ? error
          : new AwsError('ServiceFailure', error instanceof Error ? error.message : String(error), 500);
      return this.failure(service, awsError, requestId);
    }
  }

  private async execute(service: AwsService, request: EngineRequest, requestId: string): Promise<ExecutedCall> {
    const signed = readSignature(request, service);
    const params = queryParameters(request);
    const now = this.now();
    const action = resolveAction(service, request, params);
    const mutating = !isReadAction(action);
    // Eventual consistency: reads, and the credentials they authenticate, see the state as it was before
    // changes that have not propagated yet (simulators/shared/fault-modes.ts); changes apply to the real state.
    const org = mutating ? this.state : this.faults.modes.view(this.state);
    // The key names the account, as in AWS: one endpoint, many accounts.
    const state = accountOfKey(org, signed.auth.accessKeyId) ?? primaryOf(org);
    const accountId = state.accountId;
    const caller = await authenticate(state, request, signed, service, now);
    assertServiceReachable(caller, service);
    const handler = service === 's3' ? S3_HANDLERS.get(action) : HANDLERS[service].get(action);
    if (!handler) {
      const version = service === 's3' ? '2006-03-01' : API_VERSIONS[service];
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`, 400);
    }

    // Faults fire before anything changes, so a faulted call leaves no trace in state or counters.
    const fault = this.faults.take(service, action, accountId) ?? this.faults.random(mutating);
    if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
    // Still in the network when its client hung up: it never reaches IAM, and nobody reads the reply.
    if (request.signal?.aborted) return { body: '', dropConnection: true };
    if (fault?.error) throw withAccessDeniedDetail(fault.error, caller, accountId, service, action, params);

    if (caller.type === 'user') {
      const key = state.accessKeys.get(caller.accessKeyId);
      if (key) key.lastUsed = { date: isoSeconds(now), serviceName: service, region: signed.auth.region };
    }
    // RoleLastUsed: any request a session of the role makes (AWS records it within a few hours; here at once).
    if (caller.type === 'assumed-role') caller.role.lastUsed = { date: isoSeconds(now), region: signed.auth.region };
    // A lost write runs the real handler against a copy, so the reply is genuine and nothing changes.
    const target = fault?.lostWrite ? structuredClone(org) : org;
    const before = mutating && !fault?.lostWrite && this.faults.modes.propagating ? structuredClone(org) : undefined;
    const pending: MutationEntry[] = [];
    const ctx = this.context(target, accountId, caller, params, now, signed.auth.region, request.sourceIp, pending);
    let result;
    const event = { account: accountId, service, action, readOnly: !mutating, caller, params, now, requestId };
    const where = { region: signed.auth.region, sourceIp: request.sourceIp };
    try {
      result = handler(ctx);
      if (!fault?.lostWrite) for (const entry of pending) this.mutations.record(entry);
      if (before !== undefined && pending.length > 0) this.faults.modes.changed(before);
      // CloudTrail has the call, as AWS answered it (a lost write included: AWS said it succeeded).
      this.trail.record({ ...event, ...where, result });
    } catch (error) {
      if (error instanceof AwsError) this.trail.record({ ...event, ...where, error });
      throw error;
    } finally {
      // Persist even when the call is refused: the key's last-used timestamp changed regardless.
      this.persist();
    }
    // A lost reply: the change above has committed; the caller then sees a reset connection or a late answer.
    if (fault?.replyDelayMs !== undefined) await sleep(fault.replyDelayMs);
    const body =
      service === 's3'
        ? s3Document('ListAllMyBucketsResult', result ?? {})
        : queryResponse(service === 'iam' ? IAM_NAMESPACE : STS_NAMESPACE, action, result, requestId);
    return { body, ...(fault?.lostResponse ? { dropConnection: true } : {}) };
  }

  /**
   * CloudTrail's `LookupEvents` over the AWS JSON 1.1 protocol (`X-Amz-Target: CloudTrail_20131101.LookupEvents`):
   * authenticated and authorized (`cloudtrail:LookupEvents`) as any call, limited to two a second per account and
   * Region, and itself recorded as a read-only event.
   */
  private async cloudTrail(request: EngineRequest, requestId: string): Promise<HttpResult> {
    try {
      const signed = readSignature(request, 'cloudtrail');
      const target = request.headers['x-amz-target'];
      if (target !== 'CloudTrail_20131101.LookupEvents') {
        throw new AwsError('UnknownOperationException', `This simulator implements only CloudTrail LookupEvents`, 400);
      }
      const now = this.now();
      const org = this.faults.modes.view(this.state);
      const state = accountOfKey(org, signed.auth.accessKeyId) ?? primaryOf(org);
      const caller = await authenticate(state, request, signed, 'cloudtrail', now);
      const params = new URLSearchParams();
      const ctx = this.context(org, state.accountId, caller, params, now, signed.auth.region, request.sourceIp, []);
      ctx.authorize('cloudtrail:LookupEvents', '*');
      this.trail.throttle(state.accountId, signed.auth.region, now);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(request.body).toString('utf8') || '{}');
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
      }
      const page = this.trail.lookup(state.accountId, body, now);
      this.trail.record({
        account: state.accountId,
        service: 'cloudtrail',
        action: 'LookupEvents',
        readOnly: true,
        caller,
        params,
        now,
        region: signed.auth.region,
        sourceIp: request.sourceIp,
        requestId,
      });
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId },
        body: JSON.stringify(page),
      };
    } catch (error) {
      const failed =
        error instanceof AwsError ? error : new AwsError('InternalFailure', String((error as Error)?.message), 500);
      // The JSON protocol's names: IAM's AccessDenied is CloudTrail's AccessDeniedException.
      const code = failed.code === 'AccessDenied' ? 'AccessDeniedException' : failed.code;
      return {
        status: failed.code === 'AccessDenied' ? 400 : failed.status,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-RequestId': requestId,
          'x-amzn-ErrorType': code,
        },
        body: JSON.stringify({ __type: code, message: failed.message }),
      };
    }
  }

  private context(
    org: SimOrganisation,
    accountId: string,
    caller: Caller,
    params: URLSearchParams,
    now: Date,
    region: string,
    sourceIp: string | undefined,
    pending: MutationEntry[],
  ): ActionContext {
    const state = org.accounts.get(accountId);
    if (!state) throw new Error(`AWS simulator: account ${accountId} missing`);
    const arn = callerArn(caller, accountId);
    const keys = contextKeys(caller, accountId, now, region, sourceIp);
    const evaluate = (action: string, resource: string) =>
      decide(policyLayers(caller, state), { action, resource, keys });
    return {
      state,
      account: (id) => org.accounts.get(id),
      caller,
      callerArn: arn,
      params: new QueryParams(params),
      now,
      region,
      ...(sourceIp === undefined ? {} : { sourceIp }),
      keys,
      evaluate,
      authorize(action, resource) {
        const decision = evaluate(action, resource);
        if (!decision.allowed) {
          // IAM names users and roles as "user alice"; STS and S3 resources keep their ARN.
          const label = action.startsWith('iam:') ? resourceLabel(resource) : resource;
          throw accessDenied(notAuthorizedMessage(arn, action, label, decision.reason));
        }
      },
      mutated(action, target, detail, account = accountId) {
        pending.push({ account, action, target, at: now.toISOString(), ...(detail === undefined ? {} : { detail }) });
      },
    };
  }

  private success(service: AwsService, body: string, requestId: string): HttpResult {
    if (service === 's3') {
      return { status: 200, headers: this.s3Headers(requestId), body };
    }
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId },
      body,
    };
  }

  private failure(service: AwsService | undefined, error: AwsError, requestId: string): HttpResult {
    if (service === 's3') {
      const s3Error = toS3Error(error);
      return { status: s3Error.status, headers: this.s3Headers(requestId), body: s3ErrorDocument(s3Error, requestId) };
    }
    return {
      status: error.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId },
      body: queryErrorResponse(service === 'sts' ? STS_NAMESPACE : IAM_NAMESPACE, error, requestId),
    };
  }

  private s3Headers(requestId: string): Record<string, string> {
    return {
      'content-type': 'application/xml',
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(48).toString('base64'),
    };
  }
}
