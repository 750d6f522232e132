import { z } from 'zod';
import { GoogleApiError } from './errors.js';
import type { Operation } from './routing.js';

export type GcpFaultStatus = 429 | 500 | 503 | 403;

export interface GcpFault {
  /** e.g. `keys.disable` (also `projects.serviceAccounts.keys.disable`); omitted = any method. */
  method?: string;
  /** Matches when the request path (decoded, without the query) contains this text, e.g. an email or key id. */
  path?: string;
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
}

export const gcpFaultSchema = z
  .object({
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(403)]).optional(),
    message: z.string().min(1).optional(),
    times: z.number().int().min(1).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    lostWrite: z.boolean().optional(),
  })
  .refine((f) => f.status !== undefined || f.latencyMs !== undefined || f.lostWrite === true, {
    message: 'a fault needs a status, latencyMs or lostWrite',
  });

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly error?: GoogleApiError;
  readonly lostWrite?: boolean;
}

function faultError(fault: GcpFault, method: string, projectNumber: string): GoogleApiError {
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  switch (fault.status) {
    case 429: {
      const metric = method === 'GET' ? 'Read requests' : 'Write requests';
      const message =
        fault.message ??
        `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute' of service 'iam.googleapis.com' for consumer 'project_number:${projectNumber}'.`;
      const details = [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
          metadata: { service: 'iam.googleapis.com', consumer: `projects/${projectNumber}` },
        },
      ];
      return new GoogleApiError(429, 'RESOURCE_EXHAUSTED', message, details, headers);
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
    default:
      return new GoogleApiError(
        403,
        'PERMISSION_DENIED',
        fault.message ?? 'The caller does not have permission',
        undefined,
        headers,
      );
  }
}

const normalizeMethod = (method: string) => method.replace(/^(?:iam\.)?(?:projects\.)?(?:serviceAccounts\.)?/, '');

interface ArmedFault {
  readonly fault: GcpFault;
  remaining: number;
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];

  inject(fault: GcpFault): void {
    const parsed = gcpFaultSchema.parse(fault);
    this.armed.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  pending(): { fault: GcpFault; remaining: number }[] {
    return this.armed.map((a) => ({ fault: { ...a.fault }, remaining: a.remaining }));
  }

  take(operation: Operation, httpMethod: string, path: string, projectNumber: string): FaultOutcome | undefined {
    const index = this.armed.findIndex(
      ({ fault }) =>
        (fault.method === undefined || normalizeMethod(fault.method) === normalizeMethod(operation)) &&
        (fault.path === undefined || path.includes(fault.path)),
    );
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    const { fault } = armed;
    return {
      latencyMs: fault.latencyMs ?? 0,
      ...(fault.status === undefined ? {} : { error: faultError(fault, httpMethod, projectNumber) }),
      ...(fault.lostWrite ? { lostWrite: true } : {}),
    };
  }
}
