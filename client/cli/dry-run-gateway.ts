import { Client, Connection, WorkflowFailedError, type WorkflowClientInterceptor } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert } from '../../domain/alert.js';
import { statusQuery } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import { providerOf } from '../../domain/principal.js';
import type { PlaybookStatus, Report } from '../../domain/report.js';
import { PLAYBOOK_TASK_QUEUE, PROVIDER_TASK_QUEUES } from '../../domain/task-queues.js';
import { dryRun } from '../dry-run.js';
import { clientDataConverter, temporalConnectConfig } from '../../connect/temporal-connection.js';
import { CliError, EXIT } from './cli-error.js';
import { explain } from './temporal-gateway.js';

export interface DryRunRequest {
  alert: Alert;
  policy: Policy;
  /** The Temporal Web UI, for the links in the report. */
  uiBaseUrl: string;
  /** Give up (and end the rehearsal) after this long. */
  timeoutMs: number;
  onStarted(workflowId: string): void;
  /** Each status the rehearsal publishes while it runs, read with its status query (best effort). */
  onStatus(status: PlaybookStatus): void;
}

/** What `revoker dry-run` needs from Temporal; the CLI passes the real one, tests a stand-in. */
export interface DryRunGateway {
  /** Where Temporal is, for messages: `localhost:7233 (namespace default)`. */
  readonly where: string;
  dryRun(request: DryRunRequest): Promise<Report>;
  close(): Promise<void>;
}

const CALL_DEADLINE_MS = 10_000;
const STATUS_POLL_MS = 400;
// temporal.api.enums.v1.TaskQueueType; @temporalio/proto is not a direct dependency.
const WORKFLOW_QUEUE = 1;
const ACTIVITY_QUEUE = 2;

/**
 * Connects to the configured Temporal (TEMPORAL_ADDRESS etc., as every command) with an interceptor
 * that records the id `dryRun()` starts, so the rehearsal can be followed while it runs and ended
 * if it outlives the timeout.
 */
export async function connectDryRunGateway(program: string): Promise<DryRunGateway> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  const where = `${connectionOptions.address} (namespace ${namespace})`;
  let started: ((workflowId: string) => void) | undefined;
  const recordStart: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      const output = await next(input);
      started?.(input.options.workflowId);
      return output;
    },
  };
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions);
  } catch (error) {
    throw new CliError(
      `Cannot reach Temporal at ${where}: ${error instanceof Error ? error.message : String(error)}. ` +
        "A dry run is the real playbook, run by Temporal and Revoker's workers: start the local stack with " +
        '`npm start`, or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS or API key settings as needed) to yours.',
      EXIT.usage,
      'unreachable',
    );
  }
  const client = new Client({
    connection,
    namespace,
    dataConverter: clientDataConverter(),
    interceptors: { workflow: [recordStart] },
  });
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await client.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);
    } catch (error) {
      throw explain(error, undefined, where, program);
    }
  };

  return {
    where,
    async dryRun(request) {
      const idle = await call(() => queuesWithoutWorkers(client, namespace, request.alert));
      if (idle.length) {
        throw new CliError(
          `Temporal at ${where} answers, but no worker polls ${idle.join(', ')}: a dry run is the real playbook ` +
            "reading the clouds through Revoker's workers. Start them with `npm start` (the sandbox clouds), or " +
            "`npm run worker` with your clouds' credentials.",
          EXIT.usage,
          'unreachable',
        );
      }

      let workflowId: string | undefined;
      started = (id) => {
        workflowId = id;
        request.onStarted(id);
      };
      const finished = new AbortController();
      const follow = (async () => {
        while (!finished.signal.aborted) {
          if (workflowId) {
            const id = workflowId;
            try {
              request.onStatus(
                await client.withDeadline(Date.now() + CALL_DEADLINE_MS, () =>
                  client.workflow.getHandle(id).query(statusQuery),
                ),
              );
            } catch {
              // Progress only: the result below says how it ended.
            }
          }
          await sleep(STATUS_POLL_MS, undefined, { signal: finished.signal }).catch(() => undefined);
        }
      })();

      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
      try {
        return await client.withAbortSignal(timeout.signal, () =>
          dryRun(client, request.alert, { policy: request.policy, uiBaseUrl: request.uiBaseUrl }),
        );
      } catch (error) {
        if (timeout.signal.aborted) {
          // Read-only, but nobody waits for it any more: end it rather than leave it to a worker's return.
          const id = workflowId;
          const ended =
            id !== undefined &&
            (await call(() => client.workflow.getHandle(id).terminate('revoker dry-run timed out')).then(
              () => true,
              () => false,
            ));
          throw new CliError(
            `the dry run${id ? ` ${id}` : ''} did not finish within ${request.timeoutMs / 1000} s` +
              `${ended ? ', so it was ended' : ''}: are Revoker's workers on ${where} running and able to reach ` +
              'the clouds? (raise --timeout if they are slow)',
            EXIT.usage,
            'other',
          );
        }
        if (error instanceof WorkflowFailedError) {
          const why = error.cause?.message ?? error.message;
          throw new CliError(`the dry run${workflowId ? ` ${workflowId}` : ''} failed: ${why}`, EXIT.usage, 'other');
        }
        throw explain(error, undefined, where, program);
      } finally {
        clearTimeout(timer);
        finished.abort();
        await follow;
        started = undefined;
      }
    },
    close: () => connection.close(),
  };
}

/** The task queues the rehearsal needs that no worker polls: the playbook's, and one per cloud the alert names. */
async function queuesWithoutWorkers(client: Client, namespace: string, alert: Alert): Promise<string[]> {
  const providers = [...new Set(alert.principals.map(providerOf))];
  const queues = [
    { name: PLAYBOOK_TASK_QUEUE, type: WORKFLOW_QUEUE, what: 'the playbook' },
    ...providers.map((p) => ({ name: PROVIDER_TASK_QUEUES[p], type: ACTIVITY_QUEUE, what: `${p} reads` })),
  ];
  const idle: string[] = [];
  for (const queue of queues) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: queue.name },
      taskQueueType: queue.type,
    });
    if (!pollers?.length) idle.push(`${queue.name} (${queue.what})`);
  }
  return idle;
}
