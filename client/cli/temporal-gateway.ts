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
import { parseHandle } from '../../domain/handle.js';
import { RevokerHandle, RevokerSeverity, RevokerState } from '../../domain/search-attributes.js';
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
            ...optional('handle', info.typedSearchAttributes.get(RevokerHandle)),
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
    resolve: (reference) =>
      call(undefined, async () => {
        const ids = async (query: string) => {
          const found = new Set<string>();
          for await (const info of client.workflow.list({ query, pageSize: 10 })) {
            found.add(info.workflowId);
            if (found.size >= 10) break;
          }
          return [...found];
        };
        const handle = parseHandle(reference);
        if (handle) {
          const found = await ids(`RevokerHandle = '${handle}'`);
          if (found.length > 1) {
            throw new CliError(
              `${handle} names ${found.length} playbooks (a rare clash of short handles): ${found.join(', ')}. Give the workflow id instead`,
              EXIT.usage,
              'usage',
            );
          }
          if (found[0]) return found[0];
          throw new CliError(
            `No incident ${handle}: check the handle (\`${program} list --all\` shows each playbook's)`,
            EXIT.usage,
            'not-found',
          );
        }
        try {
          await client.workflow.getHandle(reference).describe();
          return reference;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        // Not a whole id: a prefix of exactly one playbook's. Quotes and backslashes cannot be in a visibility literal.
        if (/['"\\]/.test(reference)) return reference;
        const matches = await ids(`WorkflowType = 'playbook' AND WorkflowId STARTS_WITH '${reference}'`);
        if (matches.length > 1) {
          throw new CliError(
            `${reference} is the start of ${matches.length >= 10 ? '10 or more' : matches.length} playbook ids: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}. Give more of the id, or the handle (INC-…) from \`${program} list\``,
            EXIT.usage,
            'usage',
          );
        }
        return matches[0] ?? reference;
      }),
    close: () => client.connection.close(),
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

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
