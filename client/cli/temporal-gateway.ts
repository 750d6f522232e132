import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decideUpdate, statusQuery } from '../../domain/messages.js';
import { RevokerSeverity, RevokerState } from '../../domain/search-attributes.js';
import { PLAYBOOK_TASK_QUEUE } from '../../domain/task-queues.js';
import { connectClient, temporalConnectConfig } from '../../connect/temporal-connection.js';
import { PRINCIPALS_MEMO } from '../start-playbook.js';
import { CliError, EXIT } from './cli-error.js';
import type { PlaybookGateway } from './commands.js';

/**
 * A query is answered by a worker replaying the playbook; with no worker the server holds the call
 * open, so it gets a deadline and a message that names the likely cause.
 */
const CALL_DEADLINE_MS = 10_000;
const GRPC_UNAVAILABLE = 14;

export type ClosableGateway = PlaybookGateway & { close(): Promise<void> };

/** The configured Temporal (TEMPORAL_ADDRESS etc.), and where it is for messages; unreachable is a CliError saying what to set. */
export async function connectCliClient(): Promise<{ client: Client; namespace: string; where: string }> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  const where = `${connectionOptions.address} (namespace ${namespace})`;
  try {
    return { client: await connectClient(), namespace, where };
  } catch (error) {
    throw unreachable(where, error);
  }
}

export async function connectGateway(program: string): Promise<ClosableGateway> {
  const { client, where } = await connectCliClient();

  const call = async <T>(workflowId: string | undefined, fn: () => Promise<T>): Promise<T> => {
    try {
      return await client.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);
    } catch (error) {
      throw explain(error, workflowId, where, program);
    }
  };

  return {
    status: (workflowId) => call(workflowId, () => client.workflow.getHandle(workflowId).query(statusQuery)),
    decide: (workflowId, verdict, request) =>
      call(workflowId, async () => {
        try {
          return await client.workflow
            .getHandle(workflowId)
            .executeUpdate(decideUpdate, { args: [{ verdict, ...request }] });
        } catch (error) {
          // The playbook's validator refused it: the reason is the operator's to read, not a crash.
          if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
            throw new CliError(`the playbook refused the ${verdict}: ${error.cause.message}`, EXIT.refused, 'refused');
          }
          throw error;
        }
      }),
    list: ({ all, limit }) =>
      call(undefined, async () => {
        const query = `WorkflowType = 'playbook'${all ? '' : ` AND ExecutionStatus = 'Running'`}`;
        const found = [];
        for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
          found.push({
            workflowId: info.workflowId,
            execution: info.status.name,
            state: info.typedSearchAttributes.get(RevokerState),
            severity: info.typedSearchAttributes.get(RevokerSeverity),
            startTime: info.startTime,
            principals: memoPrincipals(info.memo),
          });
          if (found.length >= limit) break;
        }
        return found;
      }),
    close: () => client.connection.close(),
  };
}

/** Turns the SDK's errors into what an operator should do next; anything else stays unexpected. */
export function explain(error: unknown, workflowId: string | undefined, where: string, program: string): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof WorkflowNotFoundError && workflowId !== undefined) {
    return new CliError(
      `No playbook with id ${workflowId}: check the id (\`${program} list\` shows the open playbooks; ` +
        `the webhook's reply and the Temporal UI name them too)`,
      EXIT.usage,
      'not-found',
    );
  }
  if (error instanceof QueryNotRegisteredError) {
    return new CliError(`${workflowId ?? 'this workflow'} is not a Revoker playbook: it has no status query`);
  }
  if (isGrpcDeadlineError(error)) {
    return new CliError(
      `Temporal at ${where} did not answer within ${CALL_DEADLINE_MS / 1000} s` +
        (workflowId ? `: is a Revoker worker polling task queue ${PLAYBOOK_TASK_QUEUE}? Queries need one.` : ''),
    );
  }
  if (grpcCode(error) === GRPC_UNAVAILABLE) return unreachable(where, error);
  return error;
}

function unreachable(where: string, error: unknown): CliError {
  const why = error instanceof Error ? error.message : String(error);
  return new CliError(
    `Cannot reach Temporal at ${where}: ${why}. Set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS or API key ` +
      'settings as needed) to your Temporal frontend, or start the local stack with `npm start`.',
    EXIT.usage,
    'unreachable',
  );
}

function grpcCode(error: unknown): number | undefined {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if (isGrpcServiceError(current)) return current.code;
    if (!(current instanceof Error)) break;
  }
  return undefined;
}

/** The principals the memo names (client/start-playbook.ts), decoded by the client's codec; none for older runs. */
function memoPrincipals(memo: Record<string, unknown> | undefined): string[] | undefined {
  const named = memo?.[PRINCIPALS_MEMO];
  return Array.isArray(named) ? named.filter((p): p is string => typeof p === 'string') : undefined;
}
