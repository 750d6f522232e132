import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Decision, Verdict } from '../domain/decision.js';
import { statusQuery } from '../domain/messages.js';
import type { PlaybookState, PlaybookStatus, Report } from '../domain/report.js';
import type { LinkPlaybooks } from '../client/approval-links/link-playbooks.js';
import type { StartResult } from '../client/start-playbook.js';
import type { playbook } from '../workflows/playbook.js';

/** Who decides, and why (recorded in the playbook's status and report). */
export interface DecideAs {
  as: string;
  reason?: string;
}

/** `"all"` (every step waiting for a decision; for a release, every reversible step) or action ids from the plan. */
export type ActionSelection = 'all' | string[];

export interface WaitOptions {
  /** Default 30 s. */
  timeoutMs?: number;
}

/** A query needs a worker replaying the playbook; without one the server would hold the call open. */
const CALL_DEADLINE_MS = 10_000;
const POLL_MS = 100;

/**
 * One playbook run in the sandbox: its status, decisions through the `decide` Update (the CLI's
 * path, so a refused decision throws `DecisionRefusedError` with the playbook's reason), and its report.
 */
export class Playbook {
  readonly workflowId: string;
  readonly runId: string;
  /** The run in the sandbox's Temporal Web UI. */
  readonly uiUrl: string;
  /** The alert joined a playbook already open for the same principals. */
  readonly merged: boolean;
  /** The playbook already had this alert: nothing was started. */
  readonly duplicate: boolean;
  /** The Temporal handle, for anything this class does not cover. */
  readonly handle: WorkflowHandle<typeof playbook>;
  readonly #client: Client;
  readonly #decisions: LinkPlaybooks;

  constructor(client: Client, started: StartResult, decisions: LinkPlaybooks) {
    this.workflowId = started.workflowId;
    this.runId = started.runId;
    this.uiUrl = started.uiUrl;
    this.merged = started.merged;
    this.duplicate = started.duplicate;
    this.handle = client.workflow.getHandle<typeof playbook>(started.workflowId, started.runId);
    this.#client = client;
    this.#decisions = decisions;
  }

  /** The plan, each step's state, the decisions so far (the `status` Query). */
  status(): Promise<PlaybookStatus> {
    return this.#client.withDeadline(Date.now() + CALL_DEADLINE_MS, () => this.handle.query(statusQuery));
  }

  /** Polls the status until it is in `state`, or `predicate` holds; throws with the last status after the timeout. */
  async waitFor(
    target: PlaybookState | ((status: PlaybookStatus) => boolean),
    { timeoutMs = 30_000 }: WaitOptions = {},
  ): Promise<PlaybookStatus> {
    const matches = typeof target === 'function' ? target : (status: PlaybookStatus) => status.state === target;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (matches(status)) return status;
      if (Date.now() >= deadline) {
        const what = typeof target === 'function' ? 'the condition' : `state ${target}`;
        throw new Error(
          `playbook ${this.workflowId} did not reach ${what} within ${timeoutMs} ms: ${summarize(status)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** Approves steps waiting for a decision, once the plan is ready; returns the decision as recorded. */
  approve(actions: ActionSelection, by: DecideAs): Promise<Decision> {
    return this.#decide('approve', actions, by);
  }

  /** Rejects steps waiting for a decision: they never run, and the steps that depend on them are skipped. */
  reject(actions: ActionSelection, by: DecideAs): Promise<Decision> {
    return this.#decide('reject', actions, by);
  }

  /** False positive: undoes the reversible steps named and calls off those still waiting. */
  release(actions: ActionSelection, by: DecideAs): Promise<Decision> {
    return this.#decide('release', actions, by);
  }

  /**
   * The report, once the playbook has finished. A playbook still waiting for a decision never
   * finishes on its own in a test's time: after `timeoutMs` (default 60 s) this throws saying what waits.
   */
  async report({ timeoutMs = 60_000 }: WaitOptions = {}): Promise<Report> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    try {
      return await this.#client.withAbortSignal(timeout.signal, () => this.handle.result());
    } catch (error) {
      if (!timeout.signal.aborted) throw error;
      const status = await this.status();
      throw new Error(`playbook ${this.workflowId} did not finish within ${timeoutMs} ms: ${summarize(status)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async #decide(verdict: Verdict, actions: ActionSelection, { as, reason }: DecideAs): Promise<Decision> {
    // The playbook refuses decisions until it has planned; a test should not have to poll for that.
    await this.waitFor((status) => status.actions.length > 0 || status.finishedAt !== undefined);
    return this.#decisions.decide(
      { workflowId: this.workflowId, runId: this.runId },
      { verdict, approver: as, actions, ...(reason === undefined ? {} : { reason }) },
    );
  }
}

/** The state and the steps by status, for an error a test's author reads: "it is AwaitingApproval; awaiting-approval: …". */
function summarize(status: PlaybookStatus): string {
  if (!status.actions.length) return `it is ${status.state}, with no plan yet`;
  const byStatus = new Map<string, string[]>();
  for (const record of status.actions)
    byStatus.set(record.status, [...(byStatus.get(record.status) ?? []), record.action.id]);
  return [`it is ${status.state}`, ...[...byStatus].map(([state, ids]) => `${state}: ${ids.join(', ')}`)].join('; ');
}
