import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSandboxCaDir, ensureSandboxCa, trustFile } from './sandbox-ca.js';

/**
 * node --import tsx simulators/entra/run-tests.ts [files…]
 * Creates (or reuses) the sandbox CA first, then runs the tests in a new process that trusts it: Node reads
 * NODE_EXTRA_CA_CERTS only at startup, so the variable must be set before the test process exists.
 */
try {
  const ca = await ensureSandboxCa(defaultSandboxCaDir());
  const here = fileURLToPath(new URL('.', import.meta.url));
  const args = process.argv.slice(2);
  const files =
    args.length > 0
      ? args
      : readdirSync(here)
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => join(here, f));
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trustFile(ca, process.env.NODE_EXTRA_CA_CERTS) },
  });
  process.exit(run.status ?? 1);
} catch (error) {
  console.error(`entra tests: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
