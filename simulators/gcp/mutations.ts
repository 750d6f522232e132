import type { MutationLogSummary } from '../shared/mutation-log.js';

/**
 * Successful state-changing calls only (repeats included: disabling a disabled key counts again); faulted and
 * refused calls are not recorded.
 */
export interface MutationEntry {
  /** The project changed: the one the account lives in (whatever project the caller's own account is in). */
  readonly project: string;
  /** `serviceAccounts.disable`, `serviceAccounts.enable`, `keys.disable`, `keys.enable` or `keys.delete`. */
  readonly operation: string;
  /** The canonical resource name (`projects/{projectId}/serviceAccounts/{email}[/keys/{keyId}]`). */
  readonly target: string;
  readonly at: string;
}

/** Counted by operation. */
export type MutationSummary = MutationLogSummary<MutationEntry>;
