import { Command, CommanderError, Option } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Verdict } from '../../domain/decision.js';
import { auditPolicyOf, DEFAULT_POLICY, type Policy } from '../../domain/policy.js';
import { DEFAULT_UI_URL } from '../../connect/ui-url.js';
import { loadPolicyFile } from '../policy-file.js';
import { SOURCES } from '../sources/index.js';
import { GENERIC_SOURCE, readAlertFile } from './alert-file.js';
import { CliError, EXIT } from './cli-error.js';
import {
  decideCommand,
  dryRunCommand,
  listCommand,
  pendingCommand,
  statusCommand,
  type CommandIo,
} from './commands.js';
import { connectDoctorGateway, doctorCommand, type DoctorGateway } from './doctor.js';
import { connectDryRunGateway, type DryRunGateway } from './dry-run-gateway.js';
import { PIPED, type Terminal } from './layout.js';
import {
  APPROVER_DEPRECATED,
  configuredIdentity,
  decisionRequest,
  NO_IDENTITY,
  parseCount,
  parseTimeoutSeconds,
  type DecideOptions,
} from './options.js';
import { withIdentityDecisions, type IdentitySource } from './identity-gateway.js';
import { forgetSignIn, login, readSignIn, signInPath } from './login.js';
import { connectSetupGateway, setupCommand, type SetupGateway } from './setup.js';
import type { ClosableGateway } from './temporal-gateway.js';

export interface CliDeps {
  /** Connects to Temporal; called only once the arguments are known to be valid. */
  connect(): Promise<ClosableGateway>;
  /** Connects for `dry-run`, which starts a workflow rather than reading one; default: the configured Temporal. */
  connectDryRun?(): Promise<DryRunGateway>;
  /** Connects for `doctor`, which runs a check workflow; default: the configured Temporal. */
  connectDoctor?(): Promise<DoctorGateway>;
  /** Connects for `setup`, which administers the namespace; default: the configured Temporal. */
  connectSetup?(): Promise<SetupGateway>;
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** Where stdout goes: a terminal's width and colours, or piped (the default: plain, rows unwrapped). */
  terminal?: Terminal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const PROGRAM = 'revoker';
const DEFAULT_FOLLOW_SECONDS = 120;
const DEFAULT_DRY_RUN_SECONDS = 120;
/** What `npm start`'s webhook starts with when REVOKER_POLICY_FILE is unset. */
const DEFAULT_POLICY_NAME = 'built-in default (as `npm start`)';

/** Runs the CLI and returns its exit code; expected failures are printed as one message, without a stack. */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const io: CommandIo = {
    out: (text) => deps.stdout(`${text}\n`),
    program: PROGRAM,
    terminal: deps.terminal ?? PIPED,
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

  /** The workflow id a handle or an id prefix names (the gateway knows); a gateway that cannot tell takes it as is. */
  const resolved = (gateway: ClosableGateway, reference: string) =>
    gateway.resolve ? gateway.resolve(reference) : Promise.resolve(reference);

  const program = new Command(PROGRAM)
    .description('Follow containment playbooks, decide the steps that wait for a human, and rehearse alerts.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.stdout(text), writeErr: (text) => deps.stderr(text) })
    .showHelpAfterError('(add --help for usage)');

  program
    .command('status')
    .description('show a playbook: state, alerts, principals, actions, decisions, and what waits for you')
    .argument(
      '<incident>',
      'the incident handle from `revoker list` or any chat message (INC-7F3K2Q), its workflow id, or a unique start of the id',
    )
    .option('--json', 'print the raw status object')
    .action((workflowId: string, options: { json?: boolean }) =>
      withGateway(async (gateway) => statusCommand(gateway, io, await resolved(gateway, workflowId), options)),
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
      .argument('<incident>', 'the incident handle (INC-7F3K2Q), its workflow id, or a unique start of the id')
      .option(
        '--actions <ids...>',
        verdict === 'release'
          ? 'the containment action ids to undo (from `revoker status`)'
          : 'the action ids to decide (from `revoker status`)',
      )
      .option('--all', verdict === 'release' ? 'every action that can be undone' : 'every action awaiting a decision')
      .option(
        '--as <approver>',
        'who decides (default: $REVOKER_IDENTITY, else whom `revoker login` signed in); with $REVOKER_IDENTITY_TOKEN or a sign-in, it must be the identity they name',
      )
      .option('--reason <text>', 'why, recorded with the decision')
      .option('--no-wait', 'stop once the decision is recorded, without following the actions')
      .option('--timeout <seconds>', 'how long to follow the actions', parseTimeoutSeconds, DEFAULT_FOLLOW_SECONDS)
      .option('--json', 'print the decision and the last records of the steps it ran, as JSON')
      .action((workflowId: string, options: DecideOptions & { json?: boolean }) => {
        // Read after the ids are checked, so a mistake in them is reported before a problem with the sign-in.
        let verified: Verified | undefined | null = null;
        const decider = () =>
          verified === null ? (verified = verifiedDecider(deps.env, options.as, io.now())) : verified;
        const request = decisionRequest(options, () => {
          const configured = configuredIdentity(deps.env);
          if (configured?.from === 'REVOKER_APPROVER') deps.stderr(`${PROGRAM}: ${APPROVER_DEPRECATED}\n`);
          return decider()?.identity ?? configured?.name;
        });
        const identity = decider()?.source;
        return withGateway(async (gateway) =>
          decideCommand(
            identity ? withIdentityDecisions(gateway, identity) : gateway,
            io,
            await resolved(gateway, workflowId),
            verdict,
            request,
            { wait: options.wait, timeoutSeconds: options.timeout, json: options.json },
          ),
        );
      });
  }

  program
    .command('login')
    .description(
      "sign in with the identity provider Revoker's server trusts (a device login: open the link it prints, in any " +
        'browser); approve, reject and release then decide as you, verified by the server',
    )
    .option('--server <url>', "Revoker's server (default: $REVOKER_PUBLIC_URL)")
    .option('--json', 'print who you signed in as, until when, and where it is kept, as JSON')
    .action(async (options: { server?: string; json?: boolean }) => {
      const server = options.server?.trim() || deps.env.REVOKER_PUBLIC_URL?.trim();
      if (!server) {
        throw new CliError(
          "name Revoker's server: --server <url> or REVOKER_PUBLIC_URL (under `npm start`: http://localhost:8080)",
          EXIT.usage,
          'usage',
        );
      }
      const path = signInPath(deps.env);
      if (!path)
        throw new CliError('set REVOKER_IDENTITY_CACHE (or HOME): where to keep your sign-in', EXIT.usage, 'usage');
      const signIn = await login({ server, path, program: PROGRAM, say: (text) => deps.stderr(`${text}\n`) });
      if (options.json) {
        const { identity, issuer, expiresAt } = signIn;
        io.out(JSON.stringify({ identity, issuer, expiresAt, server: signIn.server, kept: path }, null, 2));
        return;
      }
      io.out(`signed in as ${signIn.identity} until ${signIn.expiresAt}; decisions go through ${signIn.server}`);
      io.out(`(kept in ${path}; \`${PROGRAM} logout\` forgets it)`);
    });
  program
    .command('logout')
    .description('forget the sign-in `login` kept')
    .option('--json', 'print whether a sign-in was forgotten, as JSON')
    .action((options: { json?: boolean }) => {
      const path = signInPath(deps.env);
      const forgot = forgetSignIn(path);
      if (options.json) io.out(JSON.stringify({ signedOut: forgot, ...(path ? { kept: path } : {}) }, null, 2));
      else io.out(forgot ? `signed out (removed ${path ?? ''})` : 'not signed in');
    });
  program
    .command('whoami')
    .description('who approve, reject and release decide as, and how that is verified (exit 1: nobody is configured)')
    .option('--json', 'print the identity and where it comes from, as JSON')
    .action((options: { json?: boolean }) => {
      const answer = whoAmI(deps.env, io.now());
      if (!answer.identity) exitCode = EXIT.refused;
      io.out(options.json ? JSON.stringify(answer.json, null, 2) : answer.text);
    });

  program
    .command('doctor')
    .description(
      'check, from the workers that would act, that every account, tenant and project in the topology is reachable ' +
        'and grants each permission Revoker uses (read-only calls); exit 1 when anything is missing',
    )
    .option('--json', 'print the report as JSON')
    .option('--wait <seconds>', "how long to wait for each cloud's worker to take the check", parseTimeoutSeconds, 15)
    .action(async (options: { json?: boolean; wait: number }) => {
      const waitForWorkerSeconds = options.wait;
      const gateway = await (deps.connectDoctor ?? (() => connectDoctorGateway(PROGRAM)))();
      try {
        exitCode = await doctorCommand(gateway, io, { ...options, waitForWorkerSeconds });
      } finally {
        await gateway.close();
      }
    });

  program
    .command('setup')
    .description(
      'make the namespace ready for Revoker: register the search attributes it sets (those missing; safe to run again) ' +
        "and check that the namespace's retention keeps reports as long as the policy's audit.retentionDays asks " +
        '(exit 1 when it does not, with the command that fixes it)',
    )
    .option(
      '--policy <file>',
      'YAML or JSON policy whose audit needs to check (default: $REVOKER_POLICY_FILE, else the built-in one)',
    )
    .option('--json', 'print what was found and done as JSON')
    .action(async (options: { policy?: string; json?: boolean }) => {
      const file = options.policy ?? (deps.env.REVOKER_POLICY_FILE?.trim() || undefined);
      const policy = file ? loadPolicy(file) : DEFAULT_POLICY;
      const { retentionDays } = auditPolicyOf(policy);
      const gateway = await (deps.connectSetup ?? (() => connectSetupGateway(PROGRAM, { retentionDays })))();
      try {
        exitCode = await setupCommand(gateway, io, {
          json: options.json,
          retentionDays,
          policy: file ?? DEFAULT_POLICY_NAME,
        });
      } finally {
        await gateway.close();
      }
    });

  program
    .command('dry-run')
    .description(
      'rehearse the playbook for an alert: plan it, read each target and say what would change, changing nothing ' +
        '(exit 0: nothing would change, 1: something would)',
    )
    .argument('<alert.json>', "the alert: Revoker's generic format, or with --source a SIEM's own payload")
    .option('--policy <file>', 'YAML or JSON policy to plan with (default: the built-in one `npm start` uses)')
    .addOption(
      new Option('--source <name>', "the SIEM whose native payload the file holds, mapped as its webhook route's")
        .choices([...SOURCES.keys()])
        .default(GENERIC_SOURCE),
    )
    .option('--json', 'print the report')
    .option('--timeout <seconds>', 'give up after this long', parseTimeoutSeconds, DEFAULT_DRY_RUN_SECONDS)
    .action(async (file: string, options: { policy?: string; source: string; json?: boolean; timeout: number }) => {
      // Both files are checked before connecting: a mistake in them is the operator's to fix first.
      const alert = readAlertFile(file, options.source);
      const policy = options.policy ? loadPolicy(options.policy) : DEFAULT_POLICY;
      const progress = (text: string) => deps.stderr(`${text}\n`);
      progress(
        `${PROGRAM}: dry run of ${alert.source}/${alert.id} (${alert.principals.length} principal` +
          `${alert.principals.length === 1 ? '' : 's'}, ${alert.severity}); nothing will be changed`,
      );
      if (!options.policy && deps.env.REVOKER_POLICY_FILE) {
        progress(
          `  note: planning with the built-in default policy, not REVOKER_POLICY_FILE: pass --policy ${deps.env.REVOKER_POLICY_FILE} to use it`,
        );
      }
      const gateway = await (deps.connectDryRun ?? (() => connectDryRunGateway(PROGRAM)))();
      try {
        exitCode = await dryRunCommand(
          gateway,
          { ...io, progress },
          {
            alert,
            policy,
            policyName: options.policy ?? DEFAULT_POLICY_NAME,
            json: options.json,
            timeoutSeconds: options.timeout,
            uiBaseUrl: deps.env.REVOKER_UI_URL || DEFAULT_UI_URL,
          },
        );
      } finally {
        await gateway.close();
      }
    });

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

/** The policy file, or a usage error listing every problem by field and line. */
function loadPolicy(path: string): Policy {
  try {
    return loadPolicyFile(path);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, 'usage');
  }
}

/** A decider the server verifies: the source of their token, and whom it names when the CLI knows it (a kept sign-in). */
interface Verified {
  source: IdentitySource;
  identity: string;
}

/**
 * Who decides when the server verifies it: the sign-in's identity; for REVOKER_IDENTITY_TOKEN, the
 * server reads the name from the token, and the request's approver only has to be present.
 */
function verifiedDecider(env: Record<string, string | undefined>, named: string | undefined, now: number) {
  const source = identitySource(env, named, now);
  if (!source) return undefined;
  return { source, identity: source.signedInAs ?? 'the holder of REVOKER_IDENTITY_TOKEN' } satisfies Verified;
}

/** `revoker whoami`: the identity decisions go as, how it is verified, and where it comes from. */
function whoAmI(env: Record<string, string | undefined>, now: number) {
  const token = env.REVOKER_IDENTITY_TOKEN?.trim();
  if (token) {
    return {
      identity: 'REVOKER_IDENTITY_TOKEN',
      text: 'the person REVOKER_IDENTITY_TOKEN names, verified by the server at $REVOKER_PUBLIC_URL',
      json: { identity: null, from: 'REVOKER_IDENTITY_TOKEN', verified: true, server: env.REVOKER_PUBLIC_URL ?? null },
    };
  }
  const signIn = readSignIn(signInPath(env), PROGRAM);
  if (signIn && Date.parse(signIn.expiresAt) > now) {
    const { identity, issuer, expiresAt, server } = signIn;
    return {
      identity,
      text: `${identity}, signed in with ${issuer} until ${expiresAt}, verified by ${server}`,
      json: { identity, from: 'login', verified: true, issuer, expiresAt, server },
    };
  }
  const expired = signIn ? ` (your sign-in as ${signIn.identity} expired at ${signIn.expiresAt})` : '';
  const configured = configuredIdentity(env);
  if (!configured) {
    return {
      identity: undefined,
      text: `nobody: ${NO_IDENTITY}${expired}`,
      json: { identity: null, from: null, verified: false, ...(signIn ? { expiredAt: signIn.expiresAt } : {}) },
    };
  }
  const deprecated = configured.from === 'REVOKER_APPROVER' ? ', deprecated: set REVOKER_IDENTITY' : '';
  return {
    identity: configured.name,
    text:
      `${configured.name}, as named ($${configured.from}${deprecated}, or --as): trusted only where the policy ` +
      `trusts the Temporal namespace; \`${PROGRAM} login\` to be verified${expired}`,
    json: {
      identity: configured.name,
      from: configured.from,
      verified: false,
      ...(signIn ? { expiredAt: signIn.expiresAt } : {}),
    },
  };
}

/**
 * With REVOKER_IDENTITY_TOKEN (automation), or else the sign-in `revoker login` kept, the CLI decides
 * as the person the token names, through Revoker's server, which verifies it (needed under
 * `trustedIdentities: oidc`); with neither, as `--as` names (trusted only when the policy trusts the
 * Temporal namespace).
 */
function identitySource(
  env: Record<string, string | undefined>,
  named: string | undefined,
  now: number,
): IdentitySource | undefined {
  const token = env.REVOKER_IDENTITY_TOKEN?.trim();
  const serverUrl = env.REVOKER_PUBLIC_URL?.trim();
  const as = named ? { named } : {};
  if (token) {
    if (!serverUrl) {
      throw new CliError(
        "REVOKER_IDENTITY_TOKEN is set but REVOKER_PUBLIC_URL is not: set it to Revoker's server, which verifies the token",
        EXIT.usage,
        'usage',
      );
    }
    return { serverUrl, token, ...as };
  }
  const signIn = readSignIn(signInPath(env), PROGRAM);
  if (!signIn) return undefined;
  if (Date.parse(signIn.expiresAt) <= now) {
    throw new CliError(
      `your sign-in as ${signIn.identity} expired at ${signIn.expiresAt}: run \`${PROGRAM} login\` again ` +
        `(or \`${PROGRAM} logout\` to decide as --as names)`,
      EXIT.usage,
      'usage',
    );
  }
  return { serverUrl: serverUrl || signIn.server, token: signIn.idToken, signedInAs: signIn.identity, ...as };
}
