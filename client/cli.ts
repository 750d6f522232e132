// The `revoker` command: `npm run revoker -- status <id>` or `./bin/revoker.mjs status <id>`.
// Connection settings follow Temporal's environment conventions (TEMPORAL_ADDRESS, ...).
import { PROGRAM, runCli } from './cli/program.js';
import { connectGateway } from './cli/temporal-gateway.js';

runCli(process.argv.slice(2), {
  connect: () => connectGateway(PROGRAM),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
