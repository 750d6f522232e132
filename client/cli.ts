// The `revoker` command (bin/revoker.mjs loads it): `revoker status <id>` after `npm link`, or `./bin/revoker.mjs status <id>`.
// Connection settings follow Temporal's environment conventions (TEMPORAL_ADDRESS, ...).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalOf } from './cli/layout.js';
import { PROGRAM, runCli } from './cli/program.js';
import { connectGateway } from './cli/temporal-gateway.js';

// Against the local dev server with no key configured: the sandbox's, which `npm start` keeps in .revoker/.
const sandboxKeys = join(
  process.env.REVOKER_STATE_DIR ?? fileURLToPath(new URL('../.revoker/', import.meta.url)),
  'payload-keys',
);
if (!process.env.REVOKER_PAYLOAD_KEYS && !process.env.REVOKER_PAYLOAD_KEYS_FILE && !process.env.TEMPORAL_ADDRESS) {
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
