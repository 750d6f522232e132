import type { Client } from '@temporalio/client';
import type { Alert } from '../domain/alert.js';
import type { Report } from '../domain/report.js';
import { PLAYBOOK_TASK_QUEUE } from '../domain/task-queues.js';
import type { playbook } from '../workflows/playbook.js';
import { alertSummary, incidentWorkflowId, playbookInput, type StartOptions } from './start-playbook.js';

/**
 * Rehearses the playbook for an alert: the real workflow with `dryRun`, under its own id so it
 * never meets (or merges into) a real playbook for the same principals. Resolves with the report.
 */
export async function dryRun(client: Client, alert: Alert, options: StartOptions): Promise<Report> {
  const handle = await client.workflow.start<typeof playbook>('playbook', {
    workflowId: `dry-run/${incidentWorkflowId(client, alert.principals).replace(/^contain\//, '')}/${Date.now().toString(36)}`,
    taskQueue: PLAYBOOK_TASK_QUEUE,
    args: [{ ...playbookInput(alert, options), dryRun: true }],
    staticSummary: alertSummary(alert, 'DRY RUN'),
  });
  return handle.result();
}
