import { Command, CommanderError } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Verdict } from '../../domain/decision.js';
import { CliError, EXIT } from './cli-error.js';
import { decideCommand, listCommand, pendingCommand, statusCommand, type CommandIo } from './commands.js';
import { decisionRequest, defaultApprover, parseCount, parseTimeoutSeconds, type DecideOptions } from './options.js';
import type { ClosableGateway } from './temporal-gateway.js';

export interface CliDeps {
  /** Connects to Temporal; called only once the arguments are known to be valid. */
  connect(): Promise<ClosableGateway>;
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  osUser?: () => string;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const PROGRAM = 'revoker';
const DEFAULT_FOLLOW_SECONDS = 120;

/** Runs the CLI and returns its exit code; expected failures are printed as one message, without a stack. */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const io: CommandIo = {
    out: (text) => deps.stdout(`${text}\n`),
    program: PROGRAM,
    sleep: deps.sleep ?? ((ms) => sleep(ms)),
    now: deps.now ?? (() => Date.now()),
  };
  let exitCode: number = EXIT.ok;
  const withGateway = async (fn: (gateway: ClosableGateway) => Promise<number>) => {
    const gateway = await deps.connect();
    try {
      exitCode = await fn(gateway);
    } finally {
      await gateway.close();
    }
  };

  const program = new Command(PROGRAM)
    .description('Follow containment playbooks and decide the steps that wait for a human.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.stdout(text), writeErr: (text) => deps.stderr(text) })
    .showHelpAfterError('(add --help for usage)');

  program
    .command('status')
    .description('show a playbook: state, alerts, principals, actions, decisions, and what waits for you')
    .argument('<workflowId>', 'the playbook id, e.g. contain/aws/123456789012/user/alice')
    .option('--json', 'print the raw status object')
    .action((workflowId: string, options: { json?: boolean }) =>
      withGateway((gateway) => statusCommand(gateway, io, workflowId, options)),
    );

  program
    .command('list')
    .description('list open playbooks, newest first')
    .option('--all', 'include closed playbooks')
    .option('--limit <count>', 'at most this many', parseCount, 50)
    .option('--json', 'print JSON')
    .action((options: { all?: boolean; limit: number; json?: boolean }) =>
      withGateway((gateway) => listCommand(gateway, io, { ...options, all: Boolean(options.all) })),
    );

  program
    .command('pending')
    .description('list open playbooks waiting for a decision, with what each waits for')
    .option('--limit <count>', 'look at most at this many open playbooks', parseCount, 50)
    .option('--json', 'print JSON')
    .action((options: { limit: number; json?: boolean }) =>
      withGateway((gateway) => pendingCommand(gateway, io, options)),
    );

  const DESCRIPTIONS: Record<Verdict, string> = {
    approve: 'let actions that wait for approval run, then follow them until they finish',
    reject: 'refuse actions that wait for approval, so they never run',
    release:
      'false positive: undo the reversible actions that took effect (reactivate keys, remove deny policies, re-enable accounts) and call off those still waiting',
  };
  for (const verdict of ['approve', 'reject', 'release'] as const satisfies Verdict[]) {
    program
      .command(verdict)
      .description(DESCRIPTIONS[verdict])
      .argument('<workflowId>', 'the playbook id')
      .option(
        '--actions <ids...>',
        verdict === 'release'
          ? 'the containment action ids to undo (from `revoker status`)'
          : 'the action ids to decide (from `revoker status`)',
      )
      .option('--all', verdict === 'release' ? 'every action that can be undone' : 'every action awaiting a decision')
      .option('--as <approver>', 'who decides (default: $REVOKER_APPROVER, else your OS user name)')
      .option('--reason <text>', 'why, recorded with the decision')
      .option('--no-wait', 'stop once the decision is recorded, without following the actions')
      .option('--timeout <seconds>', 'how long to follow the actions', parseTimeoutSeconds, DEFAULT_FOLLOW_SECONDS)
      .action((workflowId: string, options: DecideOptions) => {
        const request = decisionRequest(options, () => defaultApprover(deps.env, deps.osUser));
        return withGateway((gateway) =>
          decideCommand(gateway, io, workflowId, verdict, request, {
            wait: options.wait,
            timeoutSeconds: options.timeout,
          }),
        );
      });
  }

  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    // commander has already printed its own usage errors; --help and --version end here with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      deps.stderr(`${PROGRAM}: ${error.message}\n`);
      return error.exitCode;
    }
    deps.stderr(
      `${PROGRAM}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.usage;
  }
}
