// The `revoker` command (bin/revoker.mjs loads it): `revoker status <id>` after `npm link`, or `./bin/revoker.mjs status <id>`.
// Connection settings follow Temporal's environment conventions (TEMPORAL_ADDRESS, ...).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalOf } from './cli/layout.js';
import { PROGRAM, runCli } from './cli/program.js';
import { connectGateway } from './cli/temporal-gateway.js';

// Against the local dev server with no key configured: the sandbox's, which `npm start` keeps in the checkout's .revoker/
// (the checkout: the nearest directory with a package.json, from the sources or from dist/). Never when a server is
// named, by address or by an envconfig profile: there the deployment's REVOKER_PAYLOAD_KEYS[_FILE] applies.
function checkoutRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : checkoutRoot(dirname(dir));
}
const sandboxKeys = join(
  process.env.REVOKER_STATE_DIR ?? join(checkoutRoot(dirname(fileURLToPath(import.meta.url))), '.revoker'),
  'payload-keys',
);
const namesAServer = Boolean(
  process.env.TEMPORAL_ADDRESS || process.env.TEMPORAL_PROFILE || process.env.TEMPORAL_CONFIG_FILE,
);
if (!process.env.REVOKER_PAYLOAD_KEYS && !process.env.REVOKER_PAYLOAD_KEYS_FILE && !namesAServer) {
  if (existsSync(sandboxKeys)) process.env.REVOKER_PAYLOAD_KEYS_FILE = sandboxKeys;
}

runCli(process.argv.slice(2), {
  connect: () => connectGateway(PROGRAM),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  terminal: terminalOf(process.stdout, process.env),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
