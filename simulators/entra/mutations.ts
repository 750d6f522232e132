import { countBy, MutationLog as WriteLog, type MutationLogSummary } from '../shared/mutation-log.js';

export type EntraOperation =
  | 'revokeSignInSessions'
  | 'updateUser'
  | 'removePassword'
  | 'removeKey'
  | 'updateServicePrincipal'
  | 'deleteOauth2PermissionGrant'
  | 'deleteAppRoleAssignment';

export interface MutationEntry {
  readonly operation: EntraOperation;
  /** Object id of the user, service principal, grant or assignment acted on. */
  readonly target: string;
  readonly at: string;
  /** e.g. `accountEnabled=false`, `keyId=…`. */
  readonly detail?: string;
}

export interface TokenEntry {
  readonly grantType: string;
  /** appId as sent in client_id ('' when missing). */
  readonly clientId: string;
  /** `issued`, or the refusal's AADSTS code (e.g. `AADSTS7000215`). */
  readonly outcome: string;
  readonly at: string;
  /** Object id of the SP (app-only) or user (delegated) the token is for. */
  readonly subject?: string;
}

export interface TokenSummary {
  /** Tokens issued per grant type. */
  issued: Record<string, number>;
  /** Token requests refused, per AADSTS code. */
  refused: Record<string, number>;
  log: TokenEntry[];
}

export interface MutationSummary extends MutationLogSummary<MutationEntry> {
  /** Token endpoint activity, counted apart from directory changes. */
  tokens: TokenSummary;
}

/**
 * Successful Graph writes (every 2xx write call, even one that changed nothing, so tests can assert that an
 * idempotent activity did not call twice), plus token endpoint outcomes. Faulted calls are never recorded.
 */
export class MutationLog {
  private readonly writes = new WriteLog<MutationEntry>((entry) => entry.operation);
  private tokenEntries: TokenEntry[] = [];

  record(entry: MutationEntry): void {
    this.writes.record(entry);
  }

  recordToken(entry: TokenEntry): void {
    this.tokenEntries.push(entry);
  }

  clear(): void {
    this.writes.clear();
    this.tokenEntries = [];
  }

  summary(): MutationSummary {
    const issued = this.tokenEntries.filter((entry) => entry.outcome === 'issued');
    const refused = this.tokenEntries.filter((entry) => entry.outcome !== 'issued');
    return {
      ...this.writes.summary(),
      tokens: {
        issued: countBy(issued, (entry) => entry.grantType),
        refused: countBy(refused, (entry) => entry.outcome),
        log: this.tokenEntries.map((entry) => ({ ...entry })),
      },
    };
  }
}
