import { countBy, MutationLog, type MutationLogSummary } from '../shared/mutation-log.js';

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

/** The mutation log, kept per project: a test asks what Revoker changed in one project. */
export class ProjectMutationLog {
  private readonly log = new MutationLog<MutationEntry>((entry) => entry.operation);

  record(entry: MutationEntry): void {
    this.log.record(entry);
  }

  clear(): void {
    this.log.clear();
  }

  /** One project's changes (by project id); `'all'` for every project's. */
  summary(projectId: string): MutationSummary {
    const { log } = this.log.summary();
    const mine = projectId === 'all' ? log : log.filter((entry) => entry.project === projectId);
    return { counts: countBy(mine, (entry) => entry.operation), log: mine };
  }
}
