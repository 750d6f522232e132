import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Alert } from '../domain/alert.js';
import { alertSignal } from '../domain/messages.js';
import {
  DEFAULT_SETTINGS,
  playbookWorkflowId,
  type PlaybookInput,
  type PlaybookSettings,
} from '../domain/playbook-input.js';
import type { Policy } from '../domain/policy.js';
import { describePrincipal } from '../domain/principal.js';
import { alertRef, initialSearchAttributes, RevokerAlertId } from '../domain/search-attributes.js';
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
  /** The alert joined a playbook already open for the same principals. */
  merged: boolean;
  /** The playbook already had this alert: nothing was started or signalled. */
  duplicate: boolean;
}

/**
 * Starts the playbook for an alert's principals, or merges the alert into the one already open.
 * Start-then-signal rather than signal-with-start so the reply can say exactly whether the alert was
 * merged; the loop covers a playbook that closes between the two calls.
 */
export async function startPlaybook(client: Client, alert: Alert, options: StartOptions): Promise<StartResult> {
  const workflowId = playbookWorkflowId(alert.principals);
  const handle = client.workflow.getHandle<typeof playbook>(workflowId);
  const result = (runId: string, merged: boolean, duplicate: boolean): StartResult => ({
    workflowId,
    runId,
    uiUrl: workflowUiUrl(options.uiBaseUrl, client.options.namespace, workflowId, runId),
    merged,
    duplicate,
  });

  // The latest run already holds this alert (open, or closed after a SIEM's late retry): nothing to do.
  const latest = await describeLatest(handle);
  if (latest && hasAlert(latest, alert)) return result(latest.runId, false, true);

  for (let attempt = 0; ; attempt++) {
    try {
      const started = await client.workflow.start('playbook', {
        workflowId,
        taskQueue: PLAYBOOK_TASK_QUEUE,
        args: [playbookInput(alert, options)],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: initialSearchAttributes(alert),
        staticSummary: `${alert.severity.toUpperCase()}: ${alert.title}`,
        staticDetails: staticDetails(alert),
      });
      return result(started.firstExecutionRunId, false, false);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError) || attempt >= 3) throw error;
    }
    try {
      await handle.signal(alertSignal, alert);
      const { runId } = await handle.describe();
      return result(runId, true, false);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // It closed between our start and our signal: start a new one.
    }
  }
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

async function describeLatest(handle: { describe(): Promise<WorkflowExecutionDescription> }) {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

function hasAlert(description: WorkflowExecutionDescription, alert: Alert): boolean {
  return (description.typedSearchAttributes.get(RevokerAlertId) ?? []).includes(alertRef(alert));
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
