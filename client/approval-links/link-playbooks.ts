import {
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DecisionSealer } from '../../connect/decision-seal.js';
import { workflowUiUrl } from '../../connect/ui-url.js';
import type { ApprovalRules } from '../../domain/approval-words.js';
import type { DecideRequest, Decision } from '../../domain/decision.js';
import { approvalRulesQuery, decideUpdate, statusQuery } from '../../domain/messages.js';
import type { PlaybookStatus, Report } from '../../domain/report.js';

/** The playbook run a link is bound to. */
export interface PlaybookRun {
  workflowId: string;
  /** Absent: the latest run (the CLI's decisions, which name the playbook only). */
  runId?: string;
}

/** What the link routes need from Temporal; tests pass fakes, the server passes `temporalLinkPlaybooks`. */
export interface LinkPlaybooks {
  /** The run's status; throws PlaybookGoneError when it is closed or unknown. */
  status(run: PlaybookRun): Promise<PlaybookStatus>;
  /**
   * Decides through the `decide` Update, the CLI's validated path; throws DecisionRefusedError with
   * the playbook's reason, or PlaybookGoneError.
   */
  decide(run: PlaybookRun, request: DecideRequest): Promise<Decision>;
  /**
   * How many approve a step and who, as the run's policy says (the `approvalRules` Query); undefined
   * from a worker older than the Query. Absent: the page words an approval without the policy.
   */
  rules?(run: PlaybookRun): Promise<ApprovalRules | undefined>;
  /** The playbook's page in the Temporal Web UI; absent when the UI's address is not configured. */
  uiUrl?(run: PlaybookRun): string;
}

/** The bound run has closed (or never existed): nothing can be decided in it any more. */
export class PlaybookGoneError extends Error {
  override readonly name = 'PlaybookGoneError';

  constructor(
    message: string,
    /** The closed run's last status (its report), when it could be read: what the page says was decided. */
    readonly last?: PlaybookStatus,
  ) {
    super(message);
  }
}

/** The playbook's validator refused the decision; the message is its reason, meant for the responder. */
export class DecisionRefusedError extends Error {
  override readonly name = 'DecisionRefusedError';
}

/** A query or update needs a worker; without one the server holds the call open. */
const CALL_DEADLINE_MS = 10_000;

export interface LinkPlaybooksOptions {
  /** How long a query or an Update may wait for a worker. */
  deadlineMs?: number;
  /** Seals each verified decision (REVOKER_DECISION_KEY_FILE), so the playbook can tell it from a forged one. */
  sealer?: DecisionSealer;
  /** The Temporal Web UI (REVOKER_UI_URL), for the playbook's page on every link page. */
  uiBaseUrl?: string;
}

/** A closed run's report is read at once; a query to a closed run needs a worker to replay it, so it may not wait long. */
const CLOSED_STATUS_DEADLINE_MS = 3_000;

export function temporalLinkPlaybooks(
  client: Client,
  { deadlineMs = CALL_DEADLINE_MS, sealer, uiBaseUrl }: LinkPlaybooksOptions = {},
): LinkPlaybooks {
  const call = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + deadlineMs, fn);
  return {
    status: ({ workflowId, runId }) =>
      call(async () => {
        const handle = client.workflow.getHandle(workflowId, runId);
        try {
          // Queries answer for closed runs too; a link is only good while its run is open.
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING') {
            // Only to say what became of the link's steps: the page is as good without it.
            const last = await client
              .withDeadline(Date.now() + CLOSED_STATUS_DEADLINE_MS, () =>
                status.name === 'COMPLETED' ? handle.result() : handle.query(statusQuery),
              )
              .then(
                (read: Report | PlaybookStatus) => read,
                () => undefined,
              );
            throw new PlaybookGoneError(`the playbook is ${status.name.toLowerCase()}`, last);
          }
          return await handle.query(statusQuery);
        } catch (error) {
          throw gone(error) ?? error;
        }
      }),
    rules: ({ workflowId, runId }) =>
      call(async () => {
        try {
          return await client.workflow.getHandle(workflowId, runId).query(approvalRulesQuery);
        } catch (error) {
          // A worker from before the Query: the page words the approval without the policy.
          if (error instanceof QueryNotRegisteredError) return undefined;
          throw gone(error) ?? error;
        }
      }),
    ...(uiBaseUrl
      ? { uiUrl: ({ workflowId }: PlaybookRun) => workflowUiUrl(uiBaseUrl, client.options.namespace, workflowId) }
      : {}),
    decide: ({ workflowId, runId }, request) =>
      call(async () => {
        try {
          const sealed = sealer && request.verifiedBy ? sealer.seal(workflowId, request) : request;
          return await client.workflow.getHandle(workflowId, runId).executeUpdate(decideUpdate, { args: [sealed] });
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
            throw new DecisionRefusedError(error.cause.message);
          }
          throw gone(error) ?? error;
        }
      }),
  };
}

function gone(error: unknown): PlaybookGoneError | undefined {
  if (error instanceof PlaybookGoneError) return error;
  // Not found is also what the server answers for an update to a run that has completed.
  if (error instanceof WorkflowNotFoundError)
    return new PlaybookGoneError('the playbook is closed or no longer exists');
  if (error instanceof QueryNotRegisteredError) return new PlaybookGoneError('the workflow is not a Revoker playbook');
  return undefined;
}
