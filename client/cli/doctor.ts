import { WorkflowFailedError, type Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { DoctorReport, doctorHealthy } from '../../domain/doctor.js';
import type { Provider } from '../../domain/principal.js';
import { PLAYBOOK_TASK_QUEUE, PROVIDER_TASK_QUEUES } from '../../domain/task-queues.js';
import { CliError, EXIT } from './cli-error.js';
import type { CommandIo } from './commands.js';
import { layTable, paragraph, PIPED, type Column, type Terminal } from './layout.js';
import { connectCliClient, explain } from './temporal-gateway.js';

/** What `revoker doctor` needs from Temporal; the CLI passes the real one, tests may pass another. */
export interface DoctorGateway {
  doctor(options: { waitForWorkerSeconds: number }): Promise<DoctorReport>;
  close(): Promise<void>;
}

// temporal.api.enums.v1.TaskQueueType WORKFLOW and ACTIVITY; @temporalio/proto is not a direct dependency.
const WORKFLOW_QUEUE = 1;
const ACTIVITY_QUEUE = 2;
/** Checked always (a missing worker is reported); Google Workspace only where a worker serves it. */
const CORE_CLOUDS: Provider[] = ['aws', 'entra', 'gcp'];
const POLLER_CHECKS = 5;

/** A worker that has just started shows as a poller only once it polls: asked for a few seconds before giving up. */
async function playbookWorkerPolls(client: Client, namespace: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: PLAYBOOK_TASK_QUEUE },
      taskQueueType: WORKFLOW_QUEUE,
    });
    if (pollers?.length) return true;
    if (attempt === POLLER_CHECKS - 1) return false;
    await sleep(1_000);
  }
}

export async function connectDoctorGateway(program: string): Promise<DoctorGateway> {
  const { client, namespace, where } = await connectCliClient();
  return {
    async doctor({ waitForWorkerSeconds }) {
      try {
        if (!(await playbookWorkerPolls(client, namespace))) {
          throw new CliError(
            `Temporal at ${where} answers, but no worker polls ${PLAYBOOK_TASK_QUEUE}: start Revoker's workers ` +
              '(`npm start`, or `npm run worker`), then run the check again.',
            EXIT.usage,
            'unreachable',
          );
        }
        // Workspace and Kubernetes are checked where a worker serves them.
        const served = async (cloud: Provider) =>
          Boolean(
            (
              await client.workflowService.describeTaskQueue({
                namespace,
                taskQueue: { name: PROVIDER_TASK_QUEUES[cloud] },
                taskQueueType: ACTIVITY_QUEUE,
              })
            ).pollers?.length,
          );
        const optional: Provider[] = ['workspace', 'kubernetes'];
        const clouds = [
          ...CORE_CLOUDS,
          ...(await Promise.all(optional.map(async (c) => ((await served(c)) ? [c] : [])))).flat(),
        ];
        const answer: unknown = await client.workflow.execute('doctor', {
          taskQueue: PLAYBOOK_TASK_QUEUE,
          workflowId: `revoker-doctor-${new Date().toISOString()}`,
          args: [{ waitForWorkerSeconds, clouds }],
          workflowExecutionTimeout: '10m',
        });
        return DoctorReport.parse(answer);
      } catch (error) {
        if (error instanceof CliError) throw error;
        if (error instanceof WorkflowFailedError) {
          throw new CliError(`the check failed: ${error.cause?.message ?? error.message}`, EXIT.usage, 'other');
        }
        throw explain(error, undefined, where, program);
      }
    },
    close: () => client.connection.close(),
  };
}

/** Exit 0 when everything listed is reachable with nothing missing and every cloud's worker answered, else 1. */
export async function doctorCommand(
  gateway: DoctorGateway,
  io: CommandIo,
  options: { json?: boolean; waitForWorkerSeconds: number },
): Promise<number> {
  const report = await gateway.doctor({ waitForWorkerSeconds: options.waitForWorkerSeconds });
  io.out(options.json ? JSON.stringify(report, null, 2) : formatDoctor(report, io.terminal));
  return doctorHealthy(report) ? EXIT.ok : EXIT.refused;
}

/** The identity each check ran as is the widest column: on a narrow terminal it goes under its row. */
const DOCTOR_COLUMNS: Column[] = [
  { header: 'cloud' },
  { header: 'account / tenant / project', wrap: true, min: 26 },
  { header: 'reach' },
  { header: 'as', under: 1 },
  { header: 'missing' },
];

export function formatDoctor(report: DoctorReport, terminal: Terminal = PIPED): string {
  const rows: string[][] = [];
  for (const check of report.checks) {
    rows.push([
      check.cloud,
      check.name ? `${check.id} (${check.name})` : check.id,
      check.reachable ? 'ok' : 'NO',
      check.identity ?? '',
      check.reachable ? (check.missing.length ? String(check.missing.length) : '–') : '',
    ]);
  }
  const lines = layTable(DOCTOR_COLUMNS, rows, { terminal, anchor: 'account / tenant / project' });
  const say = (text: string) => lines.push('', ...paragraph(text, terminal, 0, 2));
  for (const check of report.checks) {
    const label = `${check.cloud} ${check.id}`;
    if (check.problem) say(`${label}: ${check.problem}`);
    if (check.missing.length) lines.push('', `${label} lacks:`, ...check.missing.map((m) => `  ${m}`));
  }
  // One line per cloud and set of checks it could not make: with 100 accounts, not 100 lines saying the same.
  const unchecked = new Map<string, { cloud: string; ids: string[] }>();
  for (const check of report.checks.filter((c) => c.unchecked.length)) {
    const key = `${check.cloud} ${check.unchecked.join(', ')}`;
    const group = unchecked.get(key) ?? { cloud: check.cloud, ids: [] };
    group.ids.push(check.id);
    unchecked.set(key, group);
  }
  for (const [key, { cloud, ids }] of unchecked) {
    const every = ids.length > 1 && ids.length === report.checks.filter((c) => c.cloud === cloud).length;
    const where = every ? `${cloud} (every one listed)` : `${cloud} ${ids.join(', ')}`;
    say(`${where}, not checked: ${key.slice(cloud.length + 1)}`);
  }
  for (const { cloud, problem } of report.unanswered) say(`${cloud}: ${problem}`);
  const clouds = new Set(report.checks.map((c) => c.cloud));
  for (const cloud of ['aws', 'entra', 'gcp'] as const) {
    if (!clouds.has(cloud) && !report.unanswered.some((u) => u.cloud === cloud)) {
      say(`${cloud}: nothing listed to check (no ${cloud} section in the topology file)`);
    }
  }
  const short = report.checks.filter((c) => !c.reachable || c.missing.length).length;
  const listed = report.checks.length;
  say(
    doctorHealthy(report)
      ? `ready: every listed target (${listed}) is reachable with every permission Revoker uses (${report.checkedAt})`
      : `not ready: ${short} of ${listed} listed targets unreachable or short of a permission` +
          `${report.unanswered.length ? `, ${report.unanswered.length} cloud(s) unanswered` : ''}: fix what is listed above, then run the check again (${report.checkedAt})`,
  );
  return lines.join('\n');
}
