#!/usr/bin/env node
// `npm test`: installs what is missing, then typecheck, lint, and every *.test.ts under the tree.
// Unit tests sit beside the code they test; end-to-end suites share one dev server through test/e2e.test.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureNodeModules, ensureSandboxCa, ROOT } from './bootstrap.mjs';
import { ensureChromium } from './ensure-chromium.mjs';
import { ensureKube } from './ensure-kube.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';

const SKIP_DIRS = new Set(['node_modules', '.git', '.revoker', 'test-results', 'dist']);

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

function step(name, command, args, env = process.env) {
  process.stdout.write(`\n▶ ${name}\n`);
  const run = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (run.status !== 0) {
    process.stderr.write(`✖ ${name} failed\n`);
    process.exit(run.status ?? 1);
  }
}

try {
  ensureNodeModules();
  const temporalCli = ensureTemporalCli();
  // The Kubernetes control plane testing/kube-cluster.ts starts: built from the Go module proxy and cached
  // under ~/.cache/revoker/kube-<version> (first run only: 11 to 18 minutes on 2 cores, then instant).
  const kube = await ensureKube();
  // The browser test drives Debian's Chromium (installed with apt-get when missing and allowed).
  const chromium = ensureChromium();
  const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
  // `--no-checks`: only the tests named (npm run test:reliability, after npm test has checked the tree).
  const args = process.argv.slice(2);
  const checks = !args.includes('--no-checks');
  if (checks) {
    step('typecheck', bin('tsc'), ['--noEmit']);
    step('lint', bin('eslint'), ['.']);
    step('format', bin('prettier'), ['--check', '.']);
  }
  // The Entra simulator serves HTTPS (MSAL refuses anything else) with a locally generated CA, which
  // Node trusts only when NODE_EXTRA_CA_CERTS names it at process start.
  const ca = ensureSandboxCa();
  const named = args.filter((arg) => arg !== '--no-checks');
  const files = named.length ? named : testFiles(ROOT).sort();
  step(
    `tests (${files.length} files)`,
    process.execPath,
    // `revoker/testing` as the checkout's sources, not the release build in dist/ (package.json exports).
    ['--import', 'tsx', '--conditions=revoker-source', '--test', '--test-reporter=spec', ...files],
    {
      ...process.env,
      TEMPORAL_CLI_PATH: temporalCli,
      KUBE_APISERVER_PATH: kube.kubeApiserver,
      KUBE_CONTROLLER_MANAGER_PATH: kube.kubeControllerManager,
      ETCD_PATH: kube.etcd,
      CHROMIUM_PATH: chromium,
      REVOKER_SANDBOX_CA_DIR: ca.dir,
      NODE_EXTRA_CA_CERTS: ca.certFile,
    },
  );
} catch (error) {
  process.stderr.write(`npm test: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
