import { z } from 'zod';
import { doesSomething, faultEffectFields } from '../shared/fault-fields.js';
import { FaultModes } from '../shared/fault-modes.js';
import { backendError, GoogleApiError, notAuthorized, OAuthError, quotaError, type QuotaReason } from './errors.js';

export type WorkspaceFaultStatus = 429 | 500 | 503 | 403;

export interface WorkspaceFault {
  /**
   * A Directory method, e.g. `tokens.delete`, `users.signOut` (also `directory.tokens.delete`); `token` for the
   * token endpoint. Omitted = any Directory method (never the token endpoint, which must be named).
   */
  method?: string;
  /** Matches when the request path (decoded, without the query) contains this text. */
  path?: string;
  /**
   * Only calls on this user (primary email, alias or id, whichever the call named it by); at the token endpoint,
   * the subject impersonated.
   */
  user?: string;
  /** Omit for a latency-only (or lost write/reply) fault. */
  status?: WorkspaceFaultStatus;
  /**
   * For a 403: `userRateLimitExceeded` (per-user quota), `quotaExceeded` (concurrent requests) or `forbidden`
   * (default: `Not Authorized to access this resource/api`). A 429 is always `rateLimitExceeded`.
   */
  reason?: 'userRateLimitExceeded' | 'quotaExceeded' | 'forbidden';
  message?: string;
  /** How many matching calls the fault affects; default 1. */
  times?: number;
  latencyMs?: number;
  /** Sent as `Retry-After` (seconds) with the error. */
  retryAfterSeconds?: number;
  /** A write answers success but changes nothing: a lost write, so verification must catch it. */
  lostWrite?: boolean;
  /** The change commits, then the connection is reset before the reply: the caller cannot know it landed. */
  lostResponse?: boolean;
  /** The change commits, then the reply waits this long (past the client's timeout, to lose it that way). */
  replyDelayMs?: number;
}

export const workspaceFaultSchema = z
  .object({
    ...faultEffectFields,
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(403)]).optional(),
    reason: z.enum(['userRateLimitExceeded', 'quotaExceeded', 'forbidden']).optional(),
    message: z.string().min(1).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict()
  .refine(...doesSomething('status'))
  .refine((f) => f.reason === undefined || f.status === 403, { message: 'reason applies to status 403 only' });

/** What a call is, as faults match it. */
export interface FaultTarget {
  /** A Directory method, or `token`. */
  readonly method: string;
  readonly path: string;
  /** Every name the call's user goes by (the key as sent, and the user's primary email, aliases and id). */
  readonly userNames: readonly string[];
  readonly mutating: boolean;
  /** Named in a quota error as the consumer: the caller's service account's project. */
  readonly consumerProjectNumber: string;
}

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly error?: GoogleApiError | OAuthError;
  readonly lostWrite?: boolean;
  readonly lostResponse?: boolean;
  readonly replyDelayMs?: number;
}

const normalizeMethod = (method: string) => method.replace(/^(?:admin\.)?(?:directory(?:_v1)?\.)?/, '');

function directoryError(fault: WorkspaceFault, target: FaultTarget): GoogleApiError {
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  let error: GoogleApiError;
  switch (fault.status) {
    case 429:
      error = quotaError('rateLimitExceeded', target.consumerProjectNumber, fault.message);
      break;
    case 500:
    case 503:
      error = backendError(fault.status, fault.message);
      break;
    default: {
      const reason = fault.reason ?? 'forbidden';
      if (reason === 'forbidden') {
        error =
          fault.message === undefined
            ? notAuthorized()
            : new GoogleApiError(403, fault.message, [
                { message: fault.message, domain: 'global', reason: 'forbidden' },
              ]);
      } else {
        error = quotaError(reason satisfies QuotaReason, target.consumerProjectNumber, fault.message);
      }
    }
  }
  return error.withHeaders(headers);
}

/**
 * The token endpoint's own shapes: Google documents none for throttling or outages there, so these are RFC 6749's
 * codes (`temporarily_unavailable`) and the one Google's front end uses for throttled token requests.
 */
function tokenError(fault: WorkspaceFault): OAuthError {
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  const [error, description] =
    fault.status === 429
      ? ['rate_limit_exceeded', 'Rate Limit Exceeded']
      : fault.status === 403
        ? ['access_denied', 'Access denied.']
        : ['temporarily_unavailable', 'The service is currently unavailable.'];
  return new OAuthError(fault.status ?? 503, error, fault.message ?? description, 'injected-fault', headers);
}

interface ArmedFault {
  readonly fault: WorkspaceFault;
  remaining: number;
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts). */
  readonly modes = new FaultModes();

  inject(fault: WorkspaceFault): void {
    const parsed = workspaceFaultSchema.parse(fault);
    this.armed.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
    this.modes.clear();
  }

  pending(): { fault: WorkspaceFault; remaining: number }[] {
    return this.armed.map((a) => ({ fault: { ...a.fault }, remaining: a.remaining }));
  }

  take(target: FaultTarget): FaultOutcome | undefined {
    const names = target.userNames.map((name) => name.toLowerCase());
    const index = this.armed.findIndex(({ fault }) => {
      const method =
        fault.method === undefined
          ? target.method !== 'token'
          : normalizeMethod(fault.method) === normalizeMethod(target.method);
      return (
        method &&
        (fault.path === undefined || target.path.includes(fault.path)) &&
        (fault.user === undefined || names.includes(fault.user.toLowerCase()))
      );
    });
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return outcomeOf(armed.fault, target);
  }

  /**
   * The probabilistic mode's draw for a Directory call: 429 `rateLimitExceeded` and 503 `backendError`, both with
   * Retry-After, latency, a lost write, a lost reply. The token endpoint draws nothing.
   */
  random(target: FaultTarget): FaultOutcome | undefined {
    if (target.method === 'token') return undefined;
    const retryAfterSeconds = this.modes.retryAfterSeconds;
    const fault = this.modes.drawFault<WorkspaceFault>(target.mutating, {
      throttle: { status: 429, retryAfterSeconds },
      unavailable: { status: 503, retryAfterSeconds },
    });
    return fault && outcomeOf(fault, target);
  }
}

function outcomeOf(fault: WorkspaceFault, target: FaultTarget): FaultOutcome {
  const error =
    fault.status === undefined
      ? undefined
      : target.method === 'token'
        ? tokenError(fault)
        : directoryError(fault, target);
  return {
    latencyMs: fault.latencyMs ?? 0,
    ...(error === undefined ? {} : { error }),
    ...(fault.lostWrite ? { lostWrite: true } : {}),
    ...(fault.lostResponse ? { lostResponse: true } : {}),
    ...(fault.replyDelayMs === undefined ? {} : { replyDelayMs: fault.replyDelayMs }),
  };
}
