import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { workflowUiUrl } from '../connect/ui-url.js';
import type { Alert } from '../domain/alert.js';
import { hasAlertsQuery, intakeUpdate, type IntakeOutcome } from '../domain/messages.js';
import {
  DEFAULT_SETTINGS,
  INCIDENT_PREFIX,
  playbookWorkflowId,
  type PlaybookInput,
  type PlaybookSettings,
} from '../domain/playbook-input.js';
import type { Policy } from '../domain/policy.js';
import { describePrincipal, principalKey, type Principal } from '../domain/principal.js';
import { alertRef, initialSearchAttributes, RevokerPrincipal } from '../domain/search-attributes.js';
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
  const own = playbookWorkflowId(first.principals);
  if (alerts.some((a) => playbookWorkflowId(a.principals) !== own)) {
    throw new Error('startPlaybooks takes alerts of one incident (one set of principals) at a time');
  }
  const target = await incidentFor(client, first.principals);
  if (target !== own) {
    try {
      // Joins the open incident that already holds every principal; never starts a run under its id.
      return await deliver(client, target, alerts, options, 'REJECT_DUPLICATE');
    } catch (error) {
      // It closed meanwhile: the alerts are an incident of their own.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  try {
    return await deliver(client, own, alerts, options, 'REJECT_DUPLICATE');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  // A closed run holds the id: resends of its alerts are duplicates; the others open a new incident.
  const closed = client.workflow.getHandle<typeof playbook>(own);
  const had = await closed.query(hasAlertsQuery, alerts.map(alertRef));
  const { runId } = await closed.describe();
  const fresh = alerts.filter((_, i) => !had[i]);
  const started = fresh.length ? await deliver(client, own, fresh, options, 'ALLOW_DUPLICATE') : [];
  return alerts.map((_, i) =>
    had[i] ? answer(client, options, own, runId, 'duplicate') : (started.shift() as StartResult),
  );
}

/** One update-with-start of `intake`: the workflow answers each alert from its own state. */
async function deliver(
  client: Client,
  workflowId: string,
  batch: Alert[],
  options: StartOptions,
  reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE',
): Promise<StartResult[]> {
  const [opener] = batch as [Alert, ...Alert[]];
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
  return batch.map((_, i) => answer(client, options, workflowId, runId, outcomes[i] ?? 'merged'));
}

function answer(
  client: Client,
  options: StartOptions,
  workflowId: string,
  runId: string,
  outcome: IntakeOutcome,
): StartResult {
  return {
    workflowId,
    runId,
    uiUrl: workflowUiUrl(options.uiBaseUrl, client.options.namespace, workflowId, runId),
    outcome,
    merged: outcome === 'merged',
    duplicate: outcome === 'duplicate',
  };
}

/** Open incidents looked at, at most, when looking for one that holds an alert's principals. */
const CANDIDATES = 100;

/**
 * The incident an alert about these principals belongs to: the one open for exactly them; else the
 * oldest open incident filed under every one of them, by any of their names (an Entra user's UPN or
 * object id: see discoveredKeys), which the alert joins; else its own incident, new or closed.
 * Visibility is eventually consistent: two alerts naming one person two ways within a second may
 * still open two incidents, and those share the controls on the person through its ledger.
 */
export async function incidentFor(client: Client, principals: Principal[]): Promise<string> {
  const own = playbookWorkflowId(principals);
  const keys = [...new Set(principals.map(principalKey))];
  const query = [
    `WorkflowType = 'playbook'`,
    `ExecutionStatus = 'Running'`,
    `${RevokerPrincipal.name} IN (${keys.map(quoted).join(', ')})`,
  ].join(' AND ');
  let best: { workflowId: string; startTime: number } | undefined;
  let looked = 0;
  for await (const execution of client.workflow.list({ query, pageSize: CANDIDATES })) {
    if (execution.workflowId === own) return own;
    if ((looked += 1) > CANDIDATES) break;
    // Dry runs (dry-run/…) contain nothing: only incidents are joined.
    if (!execution.workflowId.startsWith(INCIDENT_PREFIX)) continue;
    const filed = execution.typedSearchAttributes.get(RevokerPrincipal) ?? [];
    if (!keys.every((key) => filed.includes(key))) continue;
    const startTime = execution.startTime.getTime();
    if (!best || startTime < best.startTime) best = { workflowId: execution.workflowId, startTime };
  }
  return best?.workflowId ?? own;
}

/** A string literal of Temporal's list filter. */
function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
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
