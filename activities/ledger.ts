import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
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

export interface LedgerActivityDeps {
  client: Client;
}

/** A request to the ledger of one canonical principal (`principal/<owner>`). */
export type LedgerCall<R> = R & { owner: string };

export const principalWorkflowId = (owner: string) => `principal/${owner}`;

/**
 * The incidents' side of the principals' ledgers: each call is one Update to `principal/<owner>`.
 * Update ids name the incident, its run, the control and the step, so a retried activity gets the first answer back
 * instead of holding or releasing twice. They run on the playbook queue: no cloud credentials.
 */
export function createLedgerActivities({ client }: LedgerActivityDeps) {
  // The run too: a run continued as new is the same holder, but its requests are new ones (the first
  // run's `hold` after a `failed` record must not be answered from the server's cache).
  const updateId = (op: string, r: HoldRequest) =>
    `${op}:${r.incident}:${Context.current().info.workflowExecution?.runId ?? '-'}:${r.control}`;
  const handle = (owner: string) => client.workflow.getHandle(principalWorkflowId(owner));
  return {
    async holdControl({ owner, ...request }: LedgerCall<HoldRequest>): Promise<HoldAnswer> {
      // The first holder starts the principal's workflow; later ones find it running.
      return client.workflow.executeUpdateWithStart(holdControlUpdate, {
        args: [request],
        updateId: updateId('hold', request),
        startWorkflowOperation: new WithStartWorkflowOperation('principal', {
          workflowId: principalWorkflowId(owner),
          taskQueue: PLAYBOOK_TASK_QUEUE,
          args: [{ principal: owner }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Controls in force on ${owner}`,
        }),
      });
    },
    async recordControl({ owner, ...request }: LedgerCall<RecordRequest>): Promise<void> {
      await handle(owner).executeUpdate(recordControlUpdate, {
        args: [request],
        updateId: updateId('record', request),
      });
    },
    async recordGone({ owner, ...request }: LedgerCall<GoneRequest>): Promise<void> {
      await handle(owner).executeUpdate(recordGoneUpdate, { args: [request], updateId: updateId('gone', request) });
    },
    async releaseControl({ owner, ...request }: LedgerCall<HoldRequest>): Promise<ReleaseAnswer> {
      return handle(owner).executeUpdate(releaseControlUpdate, {
        args: [request],
        updateId: updateId('release', request),
      });
    },
    async releasedControl({ owner, ...request }: LedgerCall<ReleasedRequest>): Promise<void> {
      await handle(owner).executeUpdate(releasedControlUpdate, {
        args: [request],
        updateId: updateId('released', request),
      });
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
