import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Alert } from '../domain/alert.js';
import { hasAlertsQuery, intakeUpdate, type IntakeOutcome } from '../domain/messages.js';
import {
  DEFAULT_SETTINGS,
  playbookWorkflowId,
  type PlaybookInput,
  type PlaybookSettings,
} from '../domain/playbook-input.js';
import type { Policy } from '../domain/policy.js';
import { describePrincipal } from '../domain/principal.js';
import { alertRef, initialSearchAttributes } from '../domain/search-attributes.js';
import { PLAYBOOK_TASK_QUEUE } from '../domain/task-queues.js';
import type { playbook } from '../workflows/playbook.js';

export interface StartOptions {
  policy: Policy;
  settings?: Partial<PlaybookSettings>;
  /** Base URL of the Temporal Web UI, e.g. http://localhost:8233. */
  uiBaseUrl: string;
}

export interface StartResult {
  workflowId: string;
  runId: string;
  uiUrl: string;
  /** Exactly what happened to the alert: it started the incident, joined the open one, or was already in it. */
  outcome: IntakeOutcome;
  /** The alert joined a playbook already open for the same principals. */
  merged: boolean;
  /** The playbook already had this alert (open, or closed within the namespace's retention): nothing changed. */
  duplicate: boolean;
}

/** Starts the playbook for an alert's principals, or merges the alert into the one already open. */
export async function startPlaybook(client: Client, alert: Alert, options: StartOptions): Promise<StartResult> {
  const [result] = await startPlaybooks(client, [alert], options);
  if (!result) throw new Error('no answer for the alert');
  return result;
}

/**
 * Hands alerts about one set of principals to their incident in one round trip: update-with-start
 * of the `intake` Update, which the workflow answers per alert from its own state (exact, for any
 * number of alerts). The first try refuses to reuse the workflow id of a closed run; when one
 * exists, that run is asked which alerts it already had (they are duplicates), and the rest start
 * a new incident.
 */
export async function startPlaybooks(client: Client, alerts: Alert[], options: StartOptions): Promise<StartResult[]> {
  const [first] = alerts;
  if (!first) return [];
  const workflowId = playbookWorkflowId(first.principals);
  if (alerts.some((a) => playbookWorkflowId(a.principals) !== workflowId)) {
    throw new Error('startPlaybooks takes alerts of one incident (one set of principals) at a time');
  }
  const answer = (runId: string, outcome: IntakeOutcome): StartResult => ({
    workflowId,
    runId,
    uiUrl: workflowUiUrl(options.uiBaseUrl, client.options.namespace, workflowId, runId),
    outcome,
    merged: outcome === 'merged',
    duplicate: outcome === 'duplicate',
  });
  const intake = async (batch: Alert[], reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') => {
    const [opener = first] = batch;
    const start = new WithStartWorkflowOperation('playbook', {
      workflowId,
      taskQueue: PLAYBOOK_TASK_QUEUE,
      args: [playbookInput(opener, options)],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      typedSearchAttributes: initialSearchAttributes(opener),
      staticSummary: `${opener.severity.toUpperCase()}: ${opener.title}`,
      staticDetails: staticDetails(opener),
    });
    // The answer names the run the Update went to, started now or already open.
    const { outcomes, runId } = await client.workflow.executeUpdateWithStart(intakeUpdate, {
      args: [{ alerts: batch }],
      startWorkflowOperation: start,
    });
    return batch.map((_, i) => answer(runId, outcomes[i] ?? 'merged'));
  };

  try {
    return await intake(alerts, 'REJECT_DUPLICATE');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  // A closed run holds the id: resends of its alerts are duplicates; the others open a new incident.
  const closed = client.workflow.getHandle<typeof playbook>(workflowId);
  const had = await closed.query(hasAlertsQuery, alerts.map(alertRef));
  const { runId } = await closed.describe();
  const fresh = alerts.filter((_, i) => !had[i]);
  const started = fresh.length ? await intake(fresh, 'ALLOW_DUPLICATE') : [];
  return alerts.map((_, i) => (had[i] ? answer(runId, 'duplicate') : (started.shift() as StartResult)));
}

/** The playbook's input: the alert with a snapshot of the policy and the timings. */
export function playbookInput(alert: Alert, options: StartOptions): PlaybookInput {
  return {
    alert,
    policy: options.policy,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    uiBaseUrl: options.uiBaseUrl,
  };
}

function staticDetails(alert: Alert): string {
  return [
    `**${alert.title}**`,
    '',
    `- source: ${alert.source} · alert id: \`${alert.id}\` · observed ${alert.observedAt}`,
    ...alert.principals.map((p) => `- principal: ${describePrincipal(p)}`),
    ...(alert.link ? [`- [open in ${alert.source}](${alert.link})`] : []),
  ].join('\n');
}

export function workflowUiUrl(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
