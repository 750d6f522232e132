import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { principalTagsOf, type PrincipalTags } from '../connect/payload-codec.js';
import { workflowUiUrl } from '../connect/ui-url.js';
import type { Alert } from '../domain/alert.js';
import { incidentHandle } from '../domain/handle.js';
import { code, text } from '../domain/ui-markdown.js';
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
import { alertRef, initialSearchAttributes, listLiteral, RevokerPrincipal } from '../domain/search-attributes.js';
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
 * Hands alerts about one set of principals to their incident: update-with-start of the `intake`
 * Update, which the workflow answers per alert from its own state (exact, for any number of alerts).
 * The open incidents and the closed ones filed under the principals are listed at once (two visibility
 * calls in parallel: one round trip). An alert joins the open incident; with none open and no closed
 * incident to ask, it goes to its own id refusing to reuse a closed run's id, so the common case is two
 * round trips. When a closed run exists, it is asked which alerts it already had (they are duplicates),
 * and the rest start a new incident.
 */
export async function startPlaybooks(client: Client, alerts: Alert[], options: StartOptions): Promise<StartResult[]> {
  const [first] = alerts;
  if (!first) return [];
  const own = incidentWorkflowId(client, first.principals);
  if (alerts.some((a) => incidentWorkflowId(client, a.principals) !== own)) {
    throw new Error('startPlaybooks takes alerts of one incident (one set of principals) at a time');
  }
  const [{ workflowId: target, open }, joined] = await Promise.all([
    findIncident(client, first.principals),
    closedJoined(client, own, first),
  ]);
  if (open || !joined.length) {
    try {
      // The open incident for exactly these principals, or one that already holds every one of them; else the
      // alert's own id, when no closed incident joined these principals.
      // REJECT_DUPLICATE: never starts a run under a closed run's id; if one exists, the alerts go below.
      return await deliver(client, target, alerts, options, 'REJECT_DUPLICATE');
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  // Nothing open: an alert a closed incident had (under its own id, or one it joined) is a duplicate;
  // the others open a new incident. The incident found open and closed since is asked too: the list above
  // saw it running.
  const closedSince = open && target !== own ? [{ workflowId: target }] : [];
  return deliverAfterClosed(client, own, alerts, options, [{ workflowId: own }, ...closedSince, ...joined]);
}

/** The memo field holding the opening alert's principals, described (`revoker list` shows them). */
export const PRINCIPALS_MEMO = 'principals';

/** Where an alert is already: the closed incident (its run) that had it. */
type Had = { workflowId: string; runId: string } | undefined;

/**
 * Starts a new incident for the alerts that no closed incident had; those one had are `duplicate`,
 * answered with the run that had them.
 */
async function deliverAfterClosed(
  client: Client,
  own: string,
  alerts: Alert[],
  options: StartOptions,
  closed: { workflowId: string; runId?: string }[],
): Promise<StartResult[]> {
  const refs = alerts.map(alertRef);
  const had: Had[] = refs.map(() => undefined);
  for (const { workflowId, runId } of closed) {
    if (had.every(Boolean)) break;
    const handle = client.workflow.getHandle<typeof playbook>(workflowId, runId);
    try {
      const answers = await handle.query(hasAlertsQuery, refs);
      const run = runId ?? (await handle.describe()).runId;
      answers.forEach((yes, i) => {
        if (yes && !had[i]) had[i] = { workflowId, runId: run };
      });
    } catch (error) {
      // No such run (never started, or past retention): it had nothing.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  const fresh = alerts.filter((_, i) => !had[i]);
  const started = fresh.length ? await deliver(client, own, fresh, options, 'ALLOW_DUPLICATE') : [];
  return alerts.map((_, i) => {
    const where = had[i];
    return where
      ? answer(client, options, where.workflowId, where.runId, 'duplicate')
      : (started.shift() as StartResult);
  });
}

/** The latest closed incidents (not the alert's own) that held all these principals: an alert may have gone to one. */
async function closedJoined(
  client: Client,
  own: string,
  alert: Alert,
): Promise<{ workflowId: string; runId: string }[]> {
  const { filter, holdsAll } = filedUnder(client, alert.principals);
  const query = [`WorkflowType = 'playbook'`, `ExecutionStatus != 'Running'`, filter].join(' AND ');
  const joined: { workflowId: string; runId: string }[] = [];
  let looked = 0;
  for await (const execution of client.workflow.list({ query, pageSize: CANDIDATES })) {
    if ((looked += 1) > CANDIDATES || joined.length >= CLOSED_JOINED) break;
    if (execution.workflowId === own || !execution.workflowId.startsWith(INCIDENT_PREFIX)) continue;
    if (holdsAll(execution.typedSearchAttributes.get(RevokerPrincipal) ?? []))
      joined.push({ workflowId: execution.workflowId, runId: execution.runId });
  }
  return joined;
}

/** Closed incidents (other than the alert's own) asked whether they had an alert: the latest few. */
const CLOSED_JOINED = 3;

/** One update-with-start of `intake`: the workflow answers each alert from its own state. */
async function deliver(
  client: Client,
  workflowId: string,
  batch: Alert[],
  options: StartOptions,
  reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE',
): Promise<StartResult[]> {
  const [opener] = batch as [Alert, ...Alert[]];
  // The incident's handle, known before it starts so the UI's summary leads with it (ignored if it runs already).
  const handleSeed = randomUUID();
  const start = new WithStartWorkflowOperation('playbook', {
    workflowId,
    taskQueue: PLAYBOOK_TASK_QUEUE,
    args: [{ ...playbookInput(opener, options), handleSeed }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: reuse,
    typedSearchAttributes: initialSearchAttributes(opener, tagsOf(client).tag),
    staticSummary: alertSummary(opener, incidentHandle(workflowId, handleSeed)),
    staticDetails: staticDetails(opener),
    // Encrypted like every payload: the CLI's list names whom an incident is about, its id no longer does.
    memo: { [PRINCIPALS_MEMO]: [...new Set(opener.principals.map(describePrincipal))] },
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
  return (await findIncident(client, principals)).workflowId;
}

async function findIncident(client: Client, principals: Principal[]): Promise<{ workflowId: string; open: boolean }> {
  const own = incidentWorkflowId(client, principals);
  const { filter, holdsAll } = filedUnder(client, principals);
  const query = [`WorkflowType = 'playbook'`, `ExecutionStatus = 'Running'`, filter].join(' AND ');
  let best: { workflowId: string; startTime: number } | undefined;
  let looked = 0;
  for await (const execution of client.workflow.list({ query, pageSize: CANDIDATES })) {
    if (execution.workflowId === own) return { workflowId: own, open: true };
    if ((looked += 1) > CANDIDATES) break;
    // Dry runs (dry-run/…) contain nothing: only incidents are joined.
    if (!execution.workflowId.startsWith(INCIDENT_PREFIX)) continue;
    if (!holdsAll(execution.typedSearchAttributes.get(RevokerPrincipal) ?? [])) continue;
    const startTime = execution.startTime.getTime();
    if (!best || startTime < best.startTime) best = { workflowId: execution.workflowId, startTime };
  }
  return best ? { workflowId: best.workflowId, open: true } : { workflowId: own, open: false };
}

/**
 * The workflow id of the incident for exactly these principals: a keyed hash of their keys when
 * history is encrypted (`contain/p.…`), so the id names no one; `contain/<keys>` otherwise.
 */
export function incidentWorkflowId(client: Client, principals: Principal[]): string {
  const tags = tagsOf(client);
  return playbookWorkflowId(principals, tags.encrypted ? tags.tag : undefined);
}

/** The principal tags this client files and finds incidents under (keyed hashes when history is encrypted). */
function tagsOf(client: Client): PrincipalTags {
  return principalTagsOf(client.options.loadedDataConverter);
}

/**
 * The visibility filter for incidents filed under any of these principals (by each tag a configured
 * key gives: incidents filed before a key rotation are still found), and whether one holds them all.
 */
function filedUnder(client: Client, principals: Principal[]) {
  const tags = tagsOf(client);
  const each = [...new Set(principals.map(principalKey))].map((key) => tags.tagsOf(key));
  return {
    filter: `${RevokerPrincipal.name} IN (${[...new Set(each.flat())].map(listLiteral).join(', ')})`,
    holdsAll: (filed: string[]) => each.every((any) => any.some((tag) => filed.includes(tag))),
  };
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

/**
 * The UI's Summary: the handle, the severity and the alert's title. The title is the SIEM's, and so possibly the
 * attacker's words: escaped, since the UI renders markdown and passes raw HTML through.
 */
export function alertSummary(alert: Alert, prefix: string): string {
  return `${prefix} · ${alert.severity.toUpperCase()}: ${text(alert.title)}`;
}

/** The UI's Details: what the alert said, every outside value escaped; its link only when it is an https URL. */
function staticDetails(alert: Alert): string {
  const link = /^https:\/\/[^\s()<>]+$/.test(alert.link ?? '') ? alert.link : undefined;
  return [
    `**${text(alert.title)}**`,
    '',
    `- source: ${text(alert.source)} · alert id: ${code(alert.id)} · observed ${text(alert.observedAt)}`,
    ...alert.principals.map((p) => `- principal: ${text(describePrincipal(p))}`),
    ...(link ? [`- [open in ${text(alert.source)}](${link})`] : []),
  ].join('\n');
}
