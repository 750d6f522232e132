#!/usr/bin/env node
// `npm run bench`: installs what is missing (npm dependencies, the Temporal CLI, the sandbox CA), then runs
// bench/run.ts: Revoker side by side with a bare-Temporal floor, in one process; not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeModules, ROOT } from './bootstrap.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';

try {
  ensureNodeModules();
  const temporalCli = ensureTemporalCli();
  const caDir = process.env.REVOKER_SANDBOX_CA_DIR ?? join(ROOT, '.revoker', 'sandbox-ca');
  const ca = spawnSync(process.execPath, ['--import', 'tsx', 'simulators/entra/main.ts', '--ensure-ca'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, REVOKER_SANDBOX_CA_DIR: caDir },
  });
  if (ca.status !== 0) throw new Error(`could not create the sandbox CA: ${ca.stderr}`);
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      TEMPORAL_CLI_PATH: temporalCli,
      REVOKER_SANDBOX_CA_DIR: caDir,
      NODE_EXTRA_CA_CERTS: ca.stdout.trim(),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  process.exit(run.status ?? 1);
} catch (error) {
  process.stderr.write(`npm run bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
