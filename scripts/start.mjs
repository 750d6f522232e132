#!/usr/bin/env node
// `npm start`: installs what is missing (npm dependencies, the Temporal CLI), then runs the dev stack.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeModules, ROOT } from './bootstrap.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';

try {
  ensureNodeModules();
  const temporalCli = ensureTemporalCli();
  const stack = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'dev-stack.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, TEMPORAL_CLI_PATH: temporalCli },
  });
  // Ctrl-C reaches the whole process group; the stack shuts its children down and exits.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stack.kill('SIGTERM'));
  stack.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} catch (error) {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
