#!/usr/bin/env node
// `npm run bench`: installs what is missing (npm dependencies, the Temporal CLI, the sandbox CA), then runs
// bench/run.ts: Revoker side by side with a bare-Temporal floor, in one process; not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, ensureSandboxCa, ROOT } from './bootstrap.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';

try {
  ensureNodeModules();
  const temporalCli = ensureTemporalCli();
  const ca = ensureSandboxCa();
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      TEMPORAL_CLI_PATH: temporalCli,
      REVOKER_SANDBOX_CA_DIR: ca.dir,
      NODE_EXTRA_CA_CERTS: ca.certFile,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  process.exit(run.status ?? 1);
} catch (error) {
  process.stderr.write(`npm run bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
