import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrincipalTags } from '../connect/payload-codec.js';
import type {
  GoneRequest,
  HoldAnswer,
  HoldRequest,
  RecordRequest,
  ReleaseAnswer,
  ReleasedRequest,
} from '../domain/ledger.js';
import {
  holdControlUpdate,
  recordControlUpdate,
  recordGoneUpdate,
  releaseControlUpdate,
  releasedControlUpdate,
} from '../domain/messages.js';
import { PLAYBOOK_TASK_QUEUE } from '../domain/task-queues.js';
import { goneCredential } from '../domain/action.js';
import type { EarlierCut, PlaybookStatus } from '../domain/report.js';
import { listLiteral, RevokerPrincipal } from '../domain/search-attributes.js';
import { statusQuery } from '../domain/messages.js';

/** Earlier runs looked at for the incident that deleted a credential: the latest ones filed under it. */
const EARLIER_RUNS_READ = 20;

export interface LedgerActivityDeps {
  client: Client;
  /** Ledger ids are `principal/<tag>`: keyed hashes when history is encrypted (connect/payload-codec.ts). */
  tags?: PrincipalTags;
}

/** A request to the ledger of one canonical principal (`principal/<owner>`). */
export type LedgerCall<R> = R & { owner: string };

/**
 * A principal's ledger: `principal/<keyed hash>` when history is encrypted, so the id (which the
 * incidents' histories record with each Signal from it) names no one; `principal/<key>` otherwise.
 */
export const principalWorkflowId = (owner: string, tags?: PrincipalTags) =>
  `principal/${tags?.encrypted ? tags.tag(owner) : owner}`;

/**
 * The incidents' side of the principals' ledgers: each call is one Update to `principal/<owner>`.
 * Update ids name the incident, its run, the control and the step, so a retried activity gets the first answer back
 * instead of holding or releasing twice. They run on the playbook queue: no cloud credentials.
 */
export function createLedgerActivities({ client, tags }: LedgerActivityDeps) {
  // The run too: a run continued as new is the same holder, but its requests are new ones (the first
  // run's `hold` after a `failed` record must not be answered from the server's cache).
  // Keyed-hashed when history is encrypted: the control names its target (`aws:deny-user-sessions:…/alice`),
  // and Update ids are stored in the ledger's history in clear.
  const updateId = (op: string, r: HoldRequest) => {
    const id = `${r.incident}:${Context.current().info.workflowExecution?.runId ?? '-'}:${r.control}`;
    return `${op}:${tags?.encrypted ? tags.tag(id) : id}`;
  };
  /**
   * The ledger's id. A ledger started under the principal's key before history was encrypted is used
   * while it runs, so controls already held there are released by their last holder.
   */
  const ledgerId = async (owner: string): Promise<string> => {
    const named = principalWorkflowId(owner);
    if (!tags?.encrypted) return named;
    try {
      if ((await client.workflow.getHandle(named).describe()).status.name === 'RUNNING') return named;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    return principalWorkflowId(owner, tags);
  };
  const handle = async (owner: string) => client.workflow.getHandle(await ledgerId(owner));
  return {
    async holdControl({ owner, ...request }: LedgerCall<HoldRequest>): Promise<HoldAnswer> {
      // The first holder starts the principal's workflow; later ones find it running.
      return client.workflow.executeUpdateWithStart(holdControlUpdate, {
        args: [request],
        updateId: updateId('hold', request),
        startWorkflowOperation: new WithStartWorkflowOperation('principal', {
          workflowId: await ledgerId(owner),
          taskQueue: PLAYBOOK_TASK_QUEUE,
          args: [{ principal: owner }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Controls in force on ${owner}`,
        }),
      });
    },
    async recordControl({ owner, ...request }: LedgerCall<RecordRequest>): Promise<void> {
      await (
        await handle(owner)
      ).executeUpdate(recordControlUpdate, {
        args: [request],
        updateId: updateId('record', request),
      });
    },
    async recordGone({ owner, ...request }: LedgerCall<GoneRequest>): Promise<void> {
      await (
        await handle(owner)
      ).executeUpdate(recordGoneUpdate, { args: [request], updateId: updateId('gone', request) });
    },
    async releaseControl({ owner, ...request }: LedgerCall<HoldRequest>): Promise<ReleaseAnswer> {
      return (await handle(owner)).executeUpdate(releaseControlUpdate, {
        args: [request],
        updateId: updateId('release', request),
      });
    },
    /**
     * The earlier incident that deleted this credential (a principal key: `aws/…/access-key/AKIA…`), if one did:
     * the runs filed under it, newest first, other than the asking one, read for a step that deleted it (their
     * results, or the status of one still open). A later alert naming the key is then `Contained (already)`.
     */
    async earlierCut({ credential }: { credential: string }): Promise<EarlierCut | undefined> {
      const asking = Context.current().info.workflowExecution?.runId;
      const filedUnder = (tags ?? UNTAGGED).tagsOf(credential).map(listLiteral).join(', ');
      const query = `WorkflowType = 'playbook' AND ${RevokerPrincipal.name} IN (${filedUnder})`;
      let read = 0;
      for await (const execution of client.workflow.list({ query, pageSize: EARLIER_RUNS_READ })) {
        if (execution.runId === asking) continue;
        if ((read += 1) > EARLIER_RUNS_READ) break;
        const run = client.workflow.getHandle(execution.workflowId, execution.runId, { followRuns: false });
        let status: PlaybookStatus | undefined;
        try {
          if (execution.status.name === 'RUNNING') status = await run.query(statusQuery);
          else if (execution.status.name === 'COMPLETED') status = (await run.result()) as PlaybookStatus;
        } catch {
          // A run continued as new has no result of its own, and one may close while asked: the next one may say.
          continue;
        }
        const found = status && cutIn(status, credential);
        if (found) return found;
        Context.current().heartbeat();
      }
      return undefined;
    },
    async releasedControl({ owner, ...request }: LedgerCall<ReleasedRequest>): Promise<void> {
      await (
        await handle(owner)
      ).executeUpdate(releasedControlUpdate, {
        args: [request],
        updateId: updateId('released', request),
      });
    },
  };
}

/** The step of this run's status that deleted the credential, or the earlier cut it found (a chain of alerts). */
function cutIn(status: PlaybookStatus, credential: string): EarlierCut | undefined {
  const step = status.actions.find((r) => r.status === 'done' && goneCredential(r.action) === credential);
  if (step) {
    return {
      incident: status.workflowId,
      ...(status.handle ? { handle: status.handle } : {}),
      action: step.action.id,
      description: step.action.description,
      at: step.finishedAt ?? status.startedAt,
    };
  }
  return status.principals.find((p) => p.key === credential && p.containedBy)?.containedBy;
}

const UNTAGGED: PrincipalTags = { encrypted: false, tag: (key) => key, tagsOf: (key) => [key] };

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
