import type { AccessTokenClaims } from './access-tokens.js';
import type { EntraOperation } from './mutations.js';
import type { SimState } from './state.js';

/** One authenticated Graph request as the handlers see it. */
export interface GraphCall {
  readonly method: string;
  /** Decoded path segments after /v1.0. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  readonly caller: AccessTokenClaims;
  readonly state: SimState;
  readonly now: Date;
  /** e.g. https://localhost:41234/v1.0 — base of @odata.context and @odata.nextLink. */
  readonly graphBase: string;
  /** Request path below /v1.0, as sent (for nextLink). */
  readonly path: string;
  mutated(operation: EntraOperation, target: string, detail?: string): void;
}

export interface GraphResult {
  readonly status: number;
  readonly body?: unknown;
}

export const noContent = (): GraphResult => ({ status: 204 });
export const ok = (body: unknown): GraphResult => ({ status: 200, body });
