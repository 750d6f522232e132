import type { AccessTokenClaims } from './access-tokens.js';
import type { AuditEvent } from './audit-records.js';
import type { EntraOperation } from './mutations.js';
import type { SimState } from './state.js';

/** One authenticated Graph request as the handlers see it. */
export interface GraphCall {
  /** `/v1.0` or `/beta` (only the audit logs are served on beta). */
  readonly version: 'v1.0' | 'beta';
  readonly method: string;
  /** Decoded path segments after /v1.0. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  readonly caller: AccessTokenClaims;
  readonly state: SimState;
  readonly now: Date;
  /** How long after a change the audit and sign-in logs show it (the engine's `logDelayMs`). */
  readonly logDelayMs: number;
  /** e.g. https://localhost:41234/v1.0 — base of @odata.context and @odata.nextLink. */
  readonly graphBase: string;
  /** Request path below /v1.0, as sent (for nextLink). */
  readonly path: string;
  mutated(operation: EntraOperation, target: string, detail?: string): void;
  /** What the audit log records of this call's change (kept only if the call succeeds and is not a lost write). */
  audited(event: AuditEvent): void;
}

export interface GraphResult {
  readonly status: number;
  readonly body?: unknown;
}

export const noContent = (): GraphResult => ({ status: 204 });
export const ok = (body: unknown): GraphResult => ({ status: 200, body });
