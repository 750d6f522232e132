import { z } from 'zod';
import { doesSomething, faultEffectFields } from '../shared/fault-fields.js';
import { FaultModes } from '../shared/fault-modes.js';
import { GoogleApiError, permissionDenied, permissionDeniedOnResource } from './errors.js';
import { METHODS, type Route } from './routing.js';

/** The project a call acts on, as faults match it. */
export interface TargetProject {
  readonly projectId: string;
  readonly projectNumber: string;
}

export type GcpFaultStatus = 429 | 500 | 503 | 403;

export interface GcpFault {
  /**
   * e.g. `keys.disable` (also `projects.serviceAccounts.keys.disable`), or Resource Manager's `projects.getIamPolicy`;
   * omitted = any method.
   */
  method?: string;
  /** Matches when the request path (decoded, without the query) contains this text, e.g. an email or key id. */
  path?: string;
  /**
   * Only calls on this project's resources (its id or number; under `projects/-/`, the project of the account
   * named); omitted = any project, including one this simulator does not serve.
   */
  project?: string;
  /** Omit for a latency-only fault. */
  status?: GcpFaultStatus;
  message?: string;
  /** How many matching calls the fault affects; default 1. */
  times?: number;
  latencyMs?: number;
  /** Sent as `Retry-After` (seconds) with the error. */
  retryAfterSeconds?: number;
  /** A mutating call answers success but changes nothing: a lost write, so verification must catch it. */
  lostWrite?: boolean;
  /** The change commits, then the connection is reset before the reply: the caller cannot know it landed. */
  lostResponse?: boolean;
  /** The change commits, then the reply waits this long (past the client's timeout, to lose it that way). */
  replyDelayMs?: number;
}

export const gcpFaultSchema = z
  .object({
    ...faultEffectFields,
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    project: z
      .string()
      .regex(/^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{6,19})$/, 'must be a project ID or project number')
      .optional(),
    status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(403)]).optional(),
    message: z.string().min(1).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .refine(...doesSomething('status'));

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly error?: GoogleApiError;
  readonly lostWrite?: boolean;
  readonly lostResponse?: boolean;
  readonly replyDelayMs?: number;
}

/** `consumerNumber`: the project quota is charged to, the caller's own (where its account lives). */
function faultError(fault: GcpFault, method: string, consumerNumber: string, route: Route): GoogleApiError {
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  switch (fault.status) {
    case 429: {
      const metric = method === 'GET' ? 'Read requests' : 'Write requests';
      const message = fault.message ?? quotaExceeded(METHODS[route.operation].api, metric, consumerNumber).message;
      return new GoogleApiError(
        429,
        'RESOURCE_EXHAUSTED',
        message,
        quotaDetails(METHODS[route.operation].api, consumerNumber),
        headers,
      );
    }
    case 500:
      return new GoogleApiError(500, 'INTERNAL', fault.message ?? 'Internal error encountered.', undefined, headers);
    case 503:
      return new GoogleApiError(
        503,
        'UNAVAILABLE',
        fault.message ?? 'The service is currently unavailable.',
        undefined,
        headers,
      );
    default: {
      // Without a message of its own, a 403 reads as IAM's refusal of the caller: it names the permission.
      if (fault.message === undefined) {
        const { api, permission } = METHODS[route.operation];
        if (api !== 'iam.googleapis.com') return permissionDeniedOnResource(permission, api);
        const resource = route.keyId === undefined ? 'service account' : 'service account key';
        return permissionDenied(permission, resource, route.resourceName);
      }
      return new GoogleApiError(403, 'PERMISSION_DENIED', fault.message, undefined, headers);
    }
  }
}

const quotaDetails = (service: string, consumerNumber: string) => [
  {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: 'RATE_LIMIT_EXCEEDED',
    domain: 'googleapis.com',
    metadata: { service, consumer: `projects/${consumerNumber}` },
  },
];

/** Google's refusal past a per-minute quota, naming the project charged for it (the caller's own). */
export function quotaExceeded(
  service: string,
  metric: string,
  consumerNumber: string,
  headers: Record<string, string> = {},
): GoogleApiError {
  return new GoogleApiError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute' of service '${service}' for consumer 'project_number:${consumerNumber}'.`,
    quotaDetails(service, consumerNumber),
    headers,
  );
}

/** Resource Manager's projects.getIamPolicy is its own method, not the service accounts' getIamPolicy. */
const RESOURCE_MANAGER_POLICY = /^(?:cloudresourcemanager\.|resourcemanager\.)?projects\.getIamPolicy$/;
const normalizeMethod = (method: string) =>
  RESOURCE_MANAGER_POLICY.test(method)
    ? 'cloudresourcemanager.projects.getIamPolicy'
    : method.replace(/^(?:iam\.)?(?:projects\.)?(?:serviceAccounts\.)?/, '');

interface ArmedFault {
  readonly fault: GcpFault;
  remaining: number;
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts). */
  readonly modes = new FaultModes();

  inject(fault: GcpFault): void {
    const parsed = gcpFaultSchema.parse(fault);
    this.armed.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
    this.modes.clear();
  }

  pending(): { fault: GcpFault; remaining: number }[] {
    return this.armed.map((a) => ({ fault: { ...a.fault }, remaining: a.remaining }));
  }

  /**
   * @param target the project the call acts on; undefined when the simulator does not serve it (or, under
   *   `projects/-/`, knows no such account)
   * @param consumerNumber the caller's own project number, which a 429 names as the quota consumer
   */
  take(
    route: Route,
    httpMethod: string,
    path: string,
    target: TargetProject | undefined,
    consumerNumber: string,
  ): FaultOutcome | undefined {
    const index = this.armed.findIndex(
      ({ fault }) =>
        (fault.method === undefined || normalizeMethod(fault.method) === normalizeMethod(route.operation)) &&
        (fault.path === undefined || path.includes(fault.path)) &&
        (fault.project === undefined ||
          (target !== undefined && (fault.project === target.projectId || fault.project === target.projectNumber))),
    );
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return outcomeOf(armed.fault, httpMethod, consumerNumber, route);
  }

  /**
   * The probabilistic mode's draw for this call, as Google shows each kind: 429 RESOURCE_EXHAUSTED and 503
   * UNAVAILABLE with Retry-After, latency, a lost write, a lost reply.
   */
  random(route: Route, httpMethod: string, consumerNumber: string): FaultOutcome | undefined {
    const retryAfterSeconds = this.modes.retryAfterSeconds;
    const fault = this.modes.drawFault<GcpFault>(httpMethod.toUpperCase() !== 'GET', {
      throttle: { status: 429, retryAfterSeconds },
      unavailable: { status: 503, retryAfterSeconds },
    });
    return fault && outcomeOf(fault, httpMethod, consumerNumber, route);
  }
}

function outcomeOf(fault: GcpFault, httpMethod: string, consumerNumber: string, route: Route): FaultOutcome {
  return {
    latencyMs: fault.latencyMs ?? 0,
    ...(fault.status === undefined ? {} : { error: faultError(fault, httpMethod, consumerNumber, route) }),
    ...(fault.lostWrite ? { lostWrite: true } : {}),
    ...(fault.lostResponse ? { lostResponse: true } : {}),
    ...(fault.replyDelayMs === undefined ? {} : { replyDelayMs: fault.replyDelayMs }),
  };
}
