import { z } from 'zod';
import { doesSomething, faultEffectFields } from '../shared/fault-fields.js';
import { FaultModes } from '../shared/fault-modes.js';

export type EntraFaultStatus = 429 | 500 | 503 | 403 | 404;

export interface EntraFault {
  /**
   * Which requests: a path prefix (`/v1.0/users`, or `/users` relative to /v1.0 or /beta) or a regular expression (a
   * RegExp, or a string starting with `^`, tested against both forms). Omitted: every Graph (/v1.0, /beta) request. Token endpoint
   * and discovery requests are only faulted when a path names them (e.g. `/oauth2/v2.0/token` as a regex `token$`).
   */
  path?: string | RegExp;
  /** HTTP method, any case; omitted = any. */
  method?: string;
  /**
   * Only requests for this tenant (its id or a verified domain): Graph calls whose token's `tid` is that tenant,
   * login requests whose path names it (`common`/`organizations` count as the primary tenant). Omitted = any tenant.
   */
  tenant?: string;
  /** Omit for a latency-only fault. */
  status?: EntraFaultStatus;
  /** Sent as Retry-After; 429 defaults to 1. */
  retryAfterSeconds?: number;
  /** How many matching calls the fault affects; default 1. */
  times?: number;
  latencyMs?: number;
  message?: string;
  /** The call answers as if it succeeded but changes nothing: a lost write, so verification must catch it. */
  lostWrite?: boolean;
  /** The change commits, then the connection is reset before the reply: the caller cannot know it landed. */
  lostResponse?: boolean;
  /** The change commits, then the reply waits this long (past the client's timeout, to lose it that way). */
  replyDelayMs?: number;
}

/** The JSON form accepted by POST /_sim/faults (a regex is a string starting with `^`). */
export const entraFaultSchema = z
  .object({
    ...faultEffectFields,
    path: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(403), z.literal(404)]).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    message: z.string().optional(),
  })
  .refine(...doesSomething('status'));

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly status?: EntraFaultStatus;
  readonly retryAfterSeconds?: number;
  readonly message?: string;
  readonly lostWrite?: boolean;
  readonly lostResponse?: boolean;
  readonly replyDelayMs?: number;
}

interface ArmedFault {
  readonly fault: EntraFault;
  readonly pattern: RegExp | undefined;
  remaining: number;
}

const GRAPH_PREFIXES = ['/v1.0', '/beta'];

function compile(path: EntraFault['path']): RegExp | undefined {
  if (path instanceof RegExp) return path;
  if (path?.startsWith('^')) return new RegExp(path);
  return undefined;
}

/** The tenant a request is for: its id and verified domains (undefined when the path names no known tenant). */
export interface FaultTenant {
  readonly id: string;
  readonly domains: readonly string[];
}

function matches(armed: ArmedFault, method: string, path: string, tenant: FaultTenant | undefined): boolean {
  const { fault, pattern } = armed;
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  if (fault.tenant !== undefined) {
    const wanted = fault.tenant.toLowerCase();
    if (!tenant || (tenant.id !== wanted && !tenant.domains.some((d) => d.toLowerCase() === wanted))) return false;
  }
  const prefix = GRAPH_PREFIXES.find((p) => path === p || path.startsWith(`${p}/`));
  if (fault.path === undefined) return prefix !== undefined;
  const forms = prefix !== undefined ? [path, path.slice(prefix.length) || '/'] : [path];
  if (pattern) return forms.some((form) => pattern.test(form));
  const wanted = fault.path as string;
  return forms.some((form) => form.startsWith(wanted));
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts). */
  readonly modes = new FaultModes();

  inject(fault: EntraFault): void {
    const { path, ...rest } = fault;
    const parsed = entraFaultSchema.parse({ ...rest, ...(typeof path === 'string' ? { path } : {}) });
    const full: EntraFault = { ...parsed, ...(path instanceof RegExp ? { path } : {}) };
    this.armed.push({ fault: full, pattern: compile(full.path), remaining: full.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
    this.modes.clear();
  }

  pending(): { fault: Omit<EntraFault, 'path'> & { path?: string }; remaining: number }[] {
    return this.armed.map(({ fault, remaining }) => ({
      fault: { ...fault, ...(fault.path instanceof RegExp ? { path: String(fault.path) } : {}) } as Omit<
        EntraFault,
        'path'
      > & { path?: string },
      remaining,
    }));
  }

  take(method: string, path: string, tenant?: FaultTenant): FaultOutcome | undefined {
    const index = this.armed.findIndex((armed) => matches(armed, method, path, tenant));
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return outcomeOf(armed.fault);
  }

  /**
   * The probabilistic mode's draw for this Graph call, as Graph shows each kind: 429 TooManyRequests and 503
   * ServiceUnavailable, both with Retry-After ("Microsoft Graph throttling guidance"), latency, a lost write, a
   * lost reply.
   */
  random(method: string): FaultOutcome | undefined {
    const retryAfterSeconds = this.modes.retryAfterSeconds;
    const fault = this.modes.drawFault<EntraFault>(method.toUpperCase() !== 'GET', {
      throttle: { status: 429, retryAfterSeconds },
      unavailable: { status: 503, retryAfterSeconds },
    });
    return fault && outcomeOf(fault);
  }
}

function outcomeOf(fault: EntraFault): FaultOutcome {
  const { status, latencyMs, message, lostWrite, lostResponse, replyDelayMs } = fault;
  const retryAfterSeconds = fault.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  return {
    latencyMs: latencyMs ?? 0,
    ...(status === undefined ? {} : { status }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(message === undefined ? {} : { message }),
    ...(lostWrite ? { lostWrite } : {}),
    ...(lostResponse ? { lostResponse } : {}),
    ...(replyDelayMs === undefined ? {} : { replyDelayMs }),
  };
}
