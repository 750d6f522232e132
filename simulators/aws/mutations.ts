import { countBy, MutationLog, type MutationLogSummary } from '../shared/mutation-log.js';

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

/** The mutation log, kept per account: a test asks what Revoker changed in one account. */
export class AccountMutationLog {
  private readonly log = new MutationLog<MutationEntry>((entry) => entry.action);

  record(entry: MutationEntry): void {
    this.log.record(entry);
  }

  clear(): void {
    this.log.clear();
  }

  /** One account's changes; `'all'` for every account's. */
  summary(accountId: string): MutationSummary {
    const { log } = this.log.summary();
    const mine = accountId === 'all' ? log : log.filter((entry) => entry.account === accountId);
    return { counts: countBy(mine, (entry) => entry.action), log: mine };
  }
}
