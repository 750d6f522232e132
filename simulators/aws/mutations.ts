import type { MutationLogSummary } from '../shared/mutation-log.js';

export interface MutationEntry {
  /** The account changed (for AssumeRole, the role's: where the session lives). */
  readonly account: string;
  readonly action: string;
  /** Access key id, `user/<name>/<policy>`, `role/<name>/<policy>`, `user/<name>` or the issued session's ARN. */
  readonly target: string;
  readonly at: string;
  /** e.g. the new status for UpdateAccessKey. */
  readonly detail?: string;
}

/** Counted by action. */
export type MutationSummary = MutationLogSummary<MutationEntry>;
