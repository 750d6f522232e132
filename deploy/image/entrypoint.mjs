// The image's one entry point (Dockerfile): `<image> worker`, `<image> webhook`, `<image> revoker <args>`. Each
// subcommand runs a process of the release build (npm run build → dist/) with plain node, as if node had been
// started on its file: argv[1] becomes that file, so the webhook's own entry-point check and the CLI's argument
// parsing see what they would see under `node dist/…`.
import { fileURLToPath } from 'node:url';

/** Subcommand → the built file it runs, relative to dist/. */
export const COMMANDS = {
  // The queues come from REVOKER_QUEUES (one Deployment per queue: deploy/manifests/).
  worker: 'worker/main.js',
  // Intake, the one-click link pages (/links/) and the codec endpoint: one HTTP server.
  webhook: 'client/webhook/main.js',
  revoker: 'client/cli.js',
};

const USAGE = `usage: <image> <command> [args]
  worker            a worker: polls the task queues in REVOKER_QUEUES
  webhook           the HTTP server: SIEM intake (POST /alerts/<source>), one-click links (/links/), /codec
  revoker <args>    the CLI, e.g. revoker status <incident>, revoker doctor, revoker setup
Configuration: the environment (docs/configuration.md).
`;

/** The file a command line runs and the arguments it gets, or the usage when the command is not one of ours. */
export function resolveCommand(args, distUrl = new URL('./dist/', import.meta.url)) {
  const [command, ...rest] = args;
  const file = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!file) return { usage: USAGE, known: command === undefined || command === 'help' || command === '--help' };
  return { url: new URL(file, distUrl), args: rest };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const resolved = resolveCommand(process.argv.slice(2));
  if ('usage' in resolved) {
    (resolved.known ? process.stdout : process.stderr).write(resolved.usage);
    process.exit(resolved.known ? 0 : 2);
  }
  process.argv = [process.argv[0], fileURLToPath(resolved.url), ...resolved.args];
  await import(resolved.url.href);
}
