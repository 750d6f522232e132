import type { Alert } from '../../domain/alert.js';
import type { Decision, DecisionRequest, Verdict } from '../../domain/decision.js';
import type { Policy } from '../../domain/policy.js';
import type { ActionRecord, PlaybookStatus } from '../../domain/report.js';
import { FINAL_ACTION_STATUSES } from '../../domain/report.js';
import { CliError, EXIT } from './cli-error.js';
import type { DryRunGateway } from './dry-run-gateway.js';
import {
  awaitingDecision,
  commandLine,
  dryRunTally,
  formatDecision,
  formatDryRun,
  formatDryRunProgress,
  formatProgress,
  formatStatus,
  shownStatus,
} from './format.js';
import { layTable, paragraph, PIPED, type Column, type Terminal } from './layout.js';

export interface PlaybookSummary {
  workflowId: string;
  /** The short handle (`INC-7F3K2Q`) the CLI accepts in place of the id; absent for runs started before it. */
  handle?: string;
  /** Temporal's execution status: Running, Completed, Terminated, ... */
  execution: string;
  state?: string;
  severity?: string;
  startTime: Date;
  /** Whom it is about (the opening alert's principals, from the encrypted memo): the id is a hash. */
  principals?: string[];
}

/** What the commands need from Temporal; the CLI passes the real one, tests a stand-in. */
export interface PlaybookGateway {
  status(workflowId: string): Promise<PlaybookStatus>;
  /** Decides through the playbook's `decide` Update: the recorded decision, or a CliError with why it was refused. */
  decide(workflowId: string, verdict: Verdict, request: DecisionRequest): Promise<Decision>;
  list(options: { all: boolean; limit: number }): Promise<PlaybookSummary[]>;
  /** The workflow id a handle (`INC-7F3K2Q`) or a unique id prefix names; a full id as it is. */
  resolve?(reference: string): Promise<string>;
}

export interface CommandIo {
  out(text: string): void;
  /** The CLI's name in printed commands, e.g. `revoker` or `npm run revoker --`. */
  program: string;
  /** Where `out` goes: a terminal's width, or piped (default). */
  terminal?: Terminal;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** How often the CLI reads the status while it follows decided actions. */
export const DECISION_POLL_MS = 250;

export async function statusCommand(
  gateway: PlaybookGateway,
  io: CommandIo,
  workflowId: string,
  options: { json?: boolean },
): Promise<number> {
  const status = await gateway.status(workflowId);
  io.out(
    options.json
      ? JSON.stringify(status, null, 2)
      : formatStatus(status, { program: io.program, terminal: io.terminal, now: new Date(io.now()).toISOString() }),
  );
  return EXIT.ok;
}

export async function listCommand(
  gateway: PlaybookGateway,
  io: CommandIo,
  options: { all: boolean; limit: number; json?: boolean },
): Promise<number> {
  const playbooks = await gateway.list(options);
  if (options.json) {
    io.out(JSON.stringify(playbooks, null, 2));
  } else if (playbooks.length === 0) {
    io.out(options.all ? 'No playbooks.' : 'No open playbooks (--all lists closed ones too).');
  } else {
    const rows = playbooks.map((p) => [
      p.handle ?? '',
      p.workflowId,
      (p.principals ?? []).join(', '),
      p.state ?? '',
      p.severity ?? '',
      p.execution,
      p.startTime.toISOString(),
    ]);
    io.out(layTable(LIST_COLUMNS, rows, { terminal: io.terminal ?? PIPED, anchor: 'PRINCIPALS' }).join('\n'));
  }
  return EXIT.ok;
}

/**
 * `revoker list`: the handle leads (it is what people say and type); on a narrow terminal the workflow id,
 * then the execution status and start time go under each row.
 */
const LIST_COLUMNS: Column[] = [
  { header: 'HANDLE' },
  { header: 'WORKFLOW ID', under: 1, label: 'id' },
  { header: 'PRINCIPALS', wrap: true, min: 24 },
  { header: 'STATE' },
  { header: 'SEVERITY' },
  { header: 'EXECUTION', under: 2 },
  { header: 'STARTED', under: 3 },
];

/**
 * approve/reject: decide through the playbook's Update (it answers at once, or refuses with the
 * reason), say what it did, then (unless told not to) follow the decided actions to their end.
 * With --json, one document at the end: the decision, the followed steps' last records, and how it ended.
 */
export async function decideCommand(
  gateway: PlaybookGateway,
  io: CommandIo,
  workflowId: string,
  verdict: Verdict,
  request: DecisionRequest,
  options: { wait: boolean; timeoutSeconds: number; json?: boolean },
): Promise<number> {
  const terminal = io.terminal ?? PIPED;
  const say = (text: string) => {
    if (!options.json) io.out(paragraph(text, terminal, 0, 2).join('\n'));
  };
  const before = await gateway.status(workflowId);
  let decision: Decision;
  try {
    decision = await gateway.decide(workflowId, verdict, request);
  } catch (error) {
    if (error instanceof CliError && error.reason === 'not-found') {
      throw new CliError(
        `playbook ${workflowId} has closed (${before.state}): there is nothing left to decide`,
        EXIT.refused,
      );
    }
    throw error;
  }
  say(formatDecision(decision));
  const answer = (outcome: DecideOutcome, actions: ActionRecord[] = []) => {
    if (options.json) io.out(JSON.stringify({ outcome, decision, actions }, null, 2));
    return outcome === 'finished' || outcome === 'recorded' ? EXIT.ok : EXIT.refused;
  };
  if (decision.ignored) return answer('ignored');
  if (!options.wait || decision.actions.length === 0) return answer('recorded');

  const quiet = options.json ? { ...io, out: () => undefined } : io;
  const records = await followActions(gateway, quiet, workflowId, decision.actions, options.timeoutSeconds * 1000);
  const failed = records.filter((r) => r.status === 'failed');
  const unfinished = records.filter((r) => !FINAL_ACTION_STATUSES.includes(r.status));
  if (unfinished.length) {
    say(
      `Still going after ${options.timeoutSeconds} s: ${unfinished.map((r) => `${r.action.id} (${shownStatus(r)})`).join(', ')}. ` +
        `The playbook carries on; check with: ${io.program} status ${workflowId}`,
    );
    return answer('unfinished', records);
  }
  if (failed.length) {
    say(`${failed.length} of ${records.length} failed: see the results above, or ${io.program} status ${workflowId}`);
    return answer('failed', records);
  }
  say(`All ${records.length} finished.`);
  return answer('finished', records);
}

/**
 * How a decision ended, in `--json`: `recorded` (not followed: --no-wait, or nothing to run), `ignored`
 * by the playbook, or the followed steps all `finished`, some `failed`, or some `unfinished` at the timeout.
 */
export type DecideOutcome = 'recorded' | 'ignored' | 'finished' | 'failed' | 'unfinished';

/** Prints each status change of the given actions until all are final or the time is up; returns their last records. */
export async function followActions(
  gateway: PlaybookGateway,
  io: CommandIo,
  workflowId: string,
  actionIds: string[],
  timeoutMs: number,
): Promise<ActionRecord[]> {
  const terminal = io.terminal ?? PIPED;
  const deadline = io.now() + timeoutMs;
  const seen = new Map<string, string>();
  for (;;) {
    const status = await gateway.status(workflowId);
    const records = actionIds
      .map((id) => status.actions.find((r) => r.action.id === id))
      .filter((r): r is ActionRecord => r !== undefined);
    for (const record of records) {
      const shown = shownStatus(record);
      // Wrapped lines continue under the id, past the icon and the padded status.
      if (seen.get(record.action.id) !== shown)
        io.out(paragraph(formatProgress(record).trimStart(), terminal, 2, 20).join('\n'));
      seen.set(record.action.id, shown);
    }
    // Final, and its principal's ledger has the record: the playbook's state follows at once.
    const ended = (r: ActionRecord) => FINAL_ACTION_STATUSES.includes(r.status) && !r.recording;
    if (records.every(ended) || io.now() >= deadline) return records;
    await io.sleep(DECISION_POLL_MS);
  }
}

/** Open playbooks that wait for a human, what each waits for, and the command that decides it. */
export async function pendingCommand(
  gateway: PlaybookGateway,
  io: CommandIo,
  options: { limit: number; json?: boolean },
): Promise<number> {
  const open = await gateway.list({ all: false, limit: options.limit });
  const waiting = open.filter((p) => p.state === 'AwaitingApproval');
  const statuses = await Promise.all(waiting.map((p) => gateway.status(p.workflowId)));
  const entries = waiting.map((summary, i) => ({ summary, actions: statuses[i] ? awaitingDecision(statuses[i]) : [] }));
  if (options.json) {
    io.out(
      JSON.stringify(
        entries.map(({ summary, actions }, i) => ({
          workflowId: summary.workflowId,
          severity: summary.severity,
          alerts: statuses[i]?.alerts.map((a) => a.title) ?? [],
          waiting: actions.map((r) => ({ id: r.action.id, description: r.action.description })),
        })),
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.out('Nothing waits for a decision.');
    return EXIT.ok;
  }
  const terminal = io.terminal ?? PIPED;
  entries.forEach(({ summary, actions }, i) => {
    const text = [
      ...paragraph(
        `${summary.severity ?? ''}  ${summary.handle ? `${summary.handle}  ` : ''}${summary.workflowId}`,
        terminal,
        0,
        2,
      ),
      ...(statuses[i]?.alerts ?? []).flatMap((alert) => paragraph(`alert: ${alert.title}`, terminal, 2, 7)),
      ...layTable(
        WAITS_COLUMNS,
        actions.map((record) => [`waits: ${record.action.id}`, record.action.description]),
        { terminal, indent: 2, headers: false, separate: false },
      ),
      `  ${commandLine(io.program, 'approve', summary.handle ?? summary.workflowId, 'all')}`,
      '',
    ];
    io.out(text.join('\n'));
  });
  return EXIT.ok;
}

/** `revoker pending`'s steps: the id whole, its description beside it, or under it on a narrow terminal. */
const WAITS_COLUMNS: Column[] = [
  { header: 'ACTION' },
  { header: 'DESCRIPTION', wrap: true, min: 30, under: 1, label: '' },
];

export interface DryRunCommandOptions {
  alert: Alert;
  policy: Policy;
  /** How the policy is named in the output: its file, or the built-in default. */
  policyName: string;
  json?: boolean;
  timeoutSeconds: number;
  uiBaseUrl: string;
}

/**
 * Rehearses the playbook for an alert and prints the plan: each step, its gate, what its target
 * is now and whether the real run would change it. Progress goes to `progress` (stderr), so stdout
 * holds only the table or the JSON report.
 */
export async function dryRunCommand(
  gateway: DryRunGateway,
  io: CommandIo & { progress(text: string): void },
  options: DryRunCommandOptions,
): Promise<number> {
  const began = io.now();
  let last = '';
  const report = await gateway.dryRun({
    alert: options.alert,
    policy: options.policy,
    uiBaseUrl: options.uiBaseUrl,
    timeoutMs: options.timeoutSeconds * 1000,
    onStarted: (workflowId) => io.progress(`  started ${workflowId} on ${gateway.where}`),
    onStatus: (status) => {
      const line = formatDryRunProgress(status);
      if (line !== last) io.progress(line);
      last = line;
    },
  });
  io.progress(`  finished in ${((io.now() - began) / 1000).toFixed(1)} s`);
  io.out(
    options.json
      ? JSON.stringify(report, null, 2)
      : formatDryRun(report, {
          policy: options.policyName,
          fourEyes: options.policy.fourEyes,
          terminal: io.terminal ?? PIPED,
        }),
  );
  return dryRunExitCode(report);
}

/**
 * `revoker dry-run`'s answer, for scripts: 0 only when the rehearsal shows that nothing would change;
 * 1 when something would, or when a target could not be read (the real run would try it, so
 * "nothing" is not known); 2, as for every command, when it could not ask (usage, files, Temporal).
 */
export const DRY_RUN_EXIT = {
  nothingWouldChange: EXIT.ok,
  wouldChange: EXIT.refused,
  couldNotAsk: EXIT.usage,
} as const;

export function dryRunExitCode(report: PlaybookStatus): number {
  const tally = dryRunTally(report);
  return tally.wouldChange + tally.unreadable + tally.unexamined > 0
    ? DRY_RUN_EXIT.wouldChange
    : DRY_RUN_EXIT.nothingWouldChange;
}
