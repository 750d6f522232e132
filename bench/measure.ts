// What `npm run bench` reads off a run: percentiles, and where a playbook's time and Temporal cost went, from the
// timestamps and events of its history.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { readdirSync, readFileSync } from 'node:fs';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The q-quantile (0 < q ≤ 1) of the values, by the nearest-rank method. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export const percentiles = (values: number[]): Percentiles => ({
  n: values.length,
  p50: quantile(values, 0.5),
  p95: quantile(values, 0.95),
  p99: quantile(values, 0.99),
});

/** One alert's way from the POST to the report, on the bench's clock (the dev server shares it). */
export interface Sample {
  workflowId: string;
  runId: string;
  postAt: number;
  acceptedAt: number;
  doneAt: number;
  /** 503s and 429s the sender got (and retried) before the 202. */
  retried: number;
}

/** Where one playbook's time went: the intake (POST to the run's start), its activities, and Temporal the rest. */
export interface Shares {
  totalMs: number;
  intakeMs: number;
  activitiesMs: number;
  temporalMs: number;
}

/** What one run costs in Temporal: events, workflow tasks, and billable actions (estimated from its history). */
export interface Cost {
  events: number;
  workflowTasks: number;
  actions: number;
  activities: number;
  historyBytes: number;
}

/** An event's time in ms since the epoch. */
const at = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

export async function historyOf(client: Client, sample: Pick<Sample, 'workflowId' | 'runId'>): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(sample.workflowId, sample.runId).fetchHistory();
  return history.events ?? [];
}

/**
 * The share of the intake (POST to WorkflowExecutionStarted), of activities (the union of the intervals from each
 * attempt's ActivityTaskStarted to its end, parallel chains counted once) and of Temporal (the rest: dispatch, workflow
 * tasks, the result reaching the caller).
 */
export function sharesOf(sample: Sample, events: HistoryEvent[]): Shares {
  const totalMs = sample.doneAt - sample.postAt;
  const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
  const startedAt = started ? at(started) : sample.postAt;
  const intervals: [number, number][] = [];
  const startedById = new Map<string, number>();
  for (const event of events) {
    if (event.activityTaskStartedEventAttributes) startedById.set(String(event.eventId), at(event));
    const ended =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    const from = ended?.startedEventId ? startedById.get(String(ended.startedEventId)) : undefined;
    if (from !== undefined) intervals.push([from, at(event)]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let activitiesMs = 0;
  let reach = -Infinity;
  for (const [from, to] of intervals) {
    if (to <= reach) continue;
    activitiesMs += to - Math.max(from, reach);
    reach = to;
  }
  const intakeMs = Math.max(0, Math.min(totalMs, startedAt - sample.postAt));
  activitiesMs = Math.min(activitiesMs, totalMs - intakeMs);
  return { totalMs, intakeMs, activitiesMs, temporalMs: totalMs - intakeMs - activitiesMs };
}

/**
 * Billable actions as Temporal Cloud counts them, estimated from history: the start, each Signal and accepted
 * Update, each activity attempt, timer, search-attribute upsert, child start, external Signal or cancel, properties
 * change and continue-as-new, and the local activities of a workflow task once. Queries count too but leave no event.
 */
export function costOf(events: HistoryEvent[]): Cost {
  let actions = 0;
  let workflowTasks = 0;
  let activities = 0;
  let localActivityTask = -1;
  let task = 0;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) {
      workflowTasks += 1;
      task += 1;
    }
    if (e.activityTaskStartedEventAttributes) {
      activities += 1;
      actions += 1;
    }
    if (
      e.workflowExecutionStartedEventAttributes ||
      e.workflowExecutionSignaledEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      e.timerStartedEventAttributes ||
      e.upsertWorkflowSearchAttributesEventAttributes ||
      e.startChildWorkflowExecutionInitiatedEventAttributes ||
      e.signalExternalWorkflowExecutionInitiatedEventAttributes ||
      e.requestCancelExternalWorkflowExecutionInitiatedEventAttributes ||
      e.workflowPropertiesModifiedEventAttributes ||
      e.workflowExecutionContinuedAsNewEventAttributes
    ) {
      actions += 1;
    }
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && localActivityTask !== task) {
      localActivityTask = task;
      actions += 1;
    }
  }
  return { events: events.length, workflowTasks, actions, activities, historyBytes: 0 };
}

/** The resident memory of a process, from /proc (Linux), in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

/** CPU time a process has used (user + system), from /proc (Linux), in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (USER_HZ: 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The Temporal dev server this process started: its child whose command is the Temporal CLI. */
export function devServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (/temporal/.test(cmdline) && /server/.test(cmdline)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** This process's resident memory after a full collection (run with --expose-gc), in bytes. */
export function settledRss(): { rss: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}
