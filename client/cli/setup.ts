// `revoker setup`: makes a namespace ready for Revoker. It registers the search attributes the playbooks set (idempotent:
// the ones already there are left alone) and checks the namespace's retention against the policy's audit needs: a
// playbook's report lives only in its workflow result, so the retention decides how long the audit trail lasts.
import type { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes.js';
import { registerSearchAttributes } from '../../connect/search-attributes.js';
import { temporalConnectConfig } from '../../connect/temporal-connection.js';
import { CliError, EXIT } from './cli-error.js';
import type { CommandIo } from './commands.js';
import { layTable, paragraph, PIPED, type Column, type Terminal } from './layout.js';
import { connectCliClient, explain } from './temporal-gateway.js';

const DAY_SECONDS = 86_400;
// gRPC status codes an operator can act on here.
const GRPC = { notFound: 5, permissionDenied: 7, unimplemented: 12, unauthenticated: 16 } as const;
// @temporalio/proto is CommonJS: its namespace comes in as the default export.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/** What `revoker setup` needs from Temporal; the CLI passes the real one, tests may pass another. */
export interface SetupGateway {
  /** The frontend and namespace it talks to, for messages. */
  readonly address: string;
  readonly namespace: string;
  /** Adds the search attributes the namespace lacks; returns the names added. */
  addMissingSearchAttributes(): Promise<string[]>;
  /** The namespace's custom search attributes and their types (`Keyword`, `KeywordList`, ...). */
  listSearchAttributes(): Promise<Record<string, string>>;
  /** How long the namespace keeps a closed workflow, in seconds. */
  retentionSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** What `revoker setup` found and did (its `--json` output). */
export interface SetupReport {
  address: string;
  namespace: string;
  searchAttributes: {
    /** Registered by this run. */
    added: string[];
    /** Every one Revoker uses, with the type it has on the namespace (absent: not there). */
    present: { name: string; type: string; has: string | undefined }[];
  };
  retention: {
    /** The namespace's retention, in days (fractions kept: 12 hours is 0.5). */
    days: number;
    /** What the policy's `audit.retentionDays` asks for. */
    requiredDays: number;
    policy: string;
    ok: boolean;
  };
  /** Commands that would put right what is wrong; empty when ready. */
  fix: string[];
  ready: boolean;
}

// The names the server's API uses for the types Revoker's keys declare (IndexedValueType without its prefix).
const TYPE_NAME: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

/** The namespace's retention in a form `temporal operator namespace update --retention` takes: `30d`. */
function retentionFlag(days: number): string {
  return `${days}d`;
}

/** The command that sets the namespace's retention: tcld for Temporal Cloud, the Temporal CLI for any other server. */
export function retentionFixCommand(address: string, namespace: string, days: number): string {
  if (/\.tmprl\.cloud(:\d+)?$/.test(address)) {
    return `tcld namespace retention set --namespace ${namespace} --retention-days ${days}`;
  }
  return `temporal operator namespace update --address ${address} --namespace ${namespace} --retention ${retentionFlag(days)}`;
}

/** Registers what is missing, reads back what is there, and compares the retention with the policy's. */
export async function runSetup(
  gateway: SetupGateway,
  audit: { retentionDays: number; policy: string },
): Promise<SetupReport> {
  const added = await gateway.addMissingSearchAttributes();
  const listed = await gateway.listSearchAttributes();
  const present = SEARCH_ATTRIBUTES.map((key) => ({
    name: key.name,
    type: TYPE_NAME[key.type] ?? key.type,
    has: listed[key.name],
  }));
  const seconds = await gateway.retentionSeconds();
  const days = Math.round((seconds / DAY_SECONDS) * 100) / 100;
  const retentionOk = seconds >= audit.retentionDays * DAY_SECONDS;
  const fix: string[] = [];
  if (!retentionOk) fix.push(retentionFixCommand(gateway.address, gateway.namespace, audit.retentionDays));
  const wrong = present.filter((p) => p.has !== p.type);
  return {
    address: gateway.address,
    namespace: gateway.namespace,
    searchAttributes: { added, present },
    retention: { days, requiredDays: audit.retentionDays, policy: audit.policy, ok: retentionOk },
    fix,
    ready: retentionOk && wrong.length === 0,
  };
}

const COLUMNS: Column[] = [{ header: 'search attribute' }, { header: 'type' }, { header: 'on the namespace' }];

export function formatSetup(report: SetupReport, program: string, terminal: Terminal = PIPED): string {
  const added = new Set(report.searchAttributes.added);
  const rows = report.searchAttributes.present.map((p) => [
    p.name,
    p.type,
    p.has === undefined
      ? 'MISSING'
      : p.has !== p.type
        ? `WRONG TYPE: ${p.has}`
        : added.has(p.name)
          ? 'registered now'
          : 'already there',
  ]);
  const lines = [
    `Temporal ${report.address}, namespace ${report.namespace}`,
    '',
    ...layTable(COLUMNS, rows, { terminal }),
  ];
  const say = (text: string) => lines.push('', ...paragraph(text, terminal, 0, 2));
  const wrong = report.searchAttributes.present.filter((p) => p.has !== undefined && p.has !== p.type);
  for (const p of wrong) {
    say(
      `${p.name} is a ${p.has} on this namespace, but Revoker sets it as a ${p.type}: a playbook that sets it fails. ` +
        `A search attribute's type cannot change; remove it (\`temporal operator search-attribute remove --namespace ` +
        `${report.namespace} --name ${p.name}\`) and run \`${program} setup\` again.`,
    );
  }
  const { retention } = report;
  if (retention.ok) {
    say(
      `retention: ${retention.days} days, enough for the policy's audit.retentionDays of ${retention.requiredDays} ` +
        `(${retention.policy}): a closed playbook's report stays readable that long.`,
    );
  } else {
    say(
      `retention: ${retention.days} days, shorter than the policy's audit.retentionDays of ${retention.requiredDays} ` +
        `(${retention.policy}). Reports live only in workflow results, so Temporal would delete each incident's audit ` +
        `trail ${retention.days} days after it closes. Set the retention with:`,
    );
    lines.push('', ...report.fix.map((command) => `  ${command}`));
    say(`then run \`${program} setup\` again (or lower audit.retentionDays in the policy, if that is what you mean).`);
  }
  say(
    report.ready
      ? `ready: namespace ${report.namespace} has every search attribute Revoker sets and keeps reports long enough`
      : `not ready: fix what is listed above`,
  );
  return lines.join('\n');
}

/** Exit 0 when the namespace is ready, 1 when its retention is too short or an attribute has the wrong type. */
export async function setupCommand(
  gateway: SetupGateway,
  io: CommandIo,
  options: { json?: boolean; retentionDays: number; policy: string },
): Promise<number> {
  const report = await runSetup(gateway, { retentionDays: options.retentionDays, policy: options.policy });
  io.out(options.json ? JSON.stringify(report, null, 2) : formatSetup(report, io.program, io.terminal));
  return report.ready ? EXIT.ok : EXIT.refused;
}

/** The configured Temporal (connect/temporal-connection.ts: TEMPORAL_ADDRESS, a config.toml profile, TLS, API key). */
export async function connectSetupGateway(program: string, audit: { retentionDays: number }): Promise<SetupGateway> {
  const { client, namespace, where } = await connectCliClient();
  const address = temporalConnectConfig().connectionOptions.address;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw setupProblem(error, what, { where, namespace, program, retentionDays: audit.retentionDays });
    }
  };
  return {
    address,
    namespace,
    // connectClient made it with Connection.connect: the operator service is there.
    addMissingSearchAttributes: () =>
      call('register the search attributes', () =>
        registerSearchAttributes(client.connection as Connection, namespace),
      ),
    listSearchAttributes: () => call('list the search attributes', () => searchAttributeTypes(client, namespace)),
    retentionSeconds: () =>
      call('read the namespace', async () => {
        const { config } = await client.workflowService.describeNamespace({ namespace });
        const ttl = config?.workflowExecutionRetentionTtl;
        return Number(ttl?.seconds ?? 0) + (ttl?.nanos ?? 0) / 1e9;
      }),
    close: () => client.connection.close(),
  };
}

async function searchAttributeTypes(client: Client, namespace: string): Promise<Record<string, string>> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(
    Object.entries(customAttributes ?? {}).map(([name, type]) => [
      name,
      // INDEXED_VALUE_TYPE_KEYWORD_LIST → KeywordList, as the server and `temporal operator search-attribute list` name it.
      (IndexedValueType[type] ?? String(type))
        .replace(/^INDEXED_VALUE_TYPE_/, '')
        .toLowerCase()
        .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    ]),
  );
}

/** The server's refusals, said as what to do; anything else as the other commands say it. */
function setupProblem(
  error: unknown,
  what: string,
  {
    where,
    namespace,
    program,
    retentionDays,
  }: { where: string; namespace: string; program: string; retentionDays: number },
): unknown {
  const code = (error as { code?: unknown }).code;
  const why = error instanceof Error ? error.message : String(error);
  if (code === GRPC.unauthenticated || code === GRPC.permissionDenied) {
    return new CliError(
      `Temporal at ${where} refused to let ${program} ${what} (${why}): setup needs an identity allowed to administer ` +
        `namespace ${namespace} (an API key or client certificate with the namespace's admin role). Set TEMPORAL_API_KEY ` +
        'or the profile in TEMPORAL_CONFIG_FILE, or ask who runs the cluster to run `revoker setup`.',
      EXIT.usage,
      'refused',
    );
  }
  if (code === GRPC.notFound) {
    return new CliError(
      `Temporal at ${where} has no namespace ${namespace} (${why}): create it, with the retention the policy's audit ` +
        `needs, e.g. \`temporal operator namespace create --namespace ${namespace} --retention ${retentionFlag(retentionDays)}\`, or set ` +
        "TEMPORAL_NAMESPACE (or the profile's namespace) to the one Revoker runs in.",
      EXIT.usage,
      'not-found',
    );
  }
  if (code === GRPC.unimplemented) {
    return new CliError(
      `Temporal at ${where} does not offer the call to ${what} (${why}). Add the search attributes another way, ` +
        `e.g. on Temporal Cloud: tcld namespace search-attributes add --namespace ${namespace} ` +
        SEARCH_ATTRIBUTES.map((k) => `--search-attribute ${k.name}=${TYPE_NAME[k.type] ?? k.type}`).join(' '),
      EXIT.usage,
      'other',
    );
  }
  return explain(error, undefined, where, program);
}
