// Installs npm dependencies when they are missing or older than package-lock.json. Plain JS with no
// dependencies: `npm start` and `npm test` run it on a fresh clone before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root: the nearest directory above this file with a package.json — the checkout for scripts/, and
 * the same for the build's copy (dist/scripts/bootstrap.mjs), where dist/ has none of its own.
 */
export const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(from) {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..');
  }
}

export function ensureNodeModules() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  process.stderr.write('[bootstrap] installing npm dependencies\n');
  // `npm install` with the committed lockfile rather than `npm ci`: the lockfile pins every version,
  // but registries that do not serve other platforms' optional packages (@swc/core-darwin-*, ...)
  // leave them out of it, and `npm ci` then refuses the lockfile. --no-save keeps tracked files as they are.
  const run = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error(
      'npm install failed: check your access to the npm registry and run `npm install` by hand to see why',
    );
  }
}

/**
 * The sandbox CA the Entra simulator serves HTTPS with (created once), for NODE_EXTRA_CA_CERTS: Node reads that
 * variable only at start, so `npm test` and `npm run bench` start their test process with it. `certFile` also holds
 * the CAs this process's NODE_EXTRA_CA_CERTS already named (a TLS-inspecting proxy's, for npm and the registry).
 */
export function ensureSandboxCa() {
  const dir = process.env.REVOKER_SANDBOX_CA_DIR ?? join(ROOT, '.revoker', 'sandbox-ca');
  const ca = spawnSync(process.execPath, ['--import', 'tsx', 'simulators/entra/main.ts', '--ensure-ca'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, REVOKER_SANDBOX_CA_DIR: dir },
  });
  if (ca.status !== 0) throw new Error(`could not create the sandbox CA: ${ca.stderr}`);
  return { dir, certFile: ca.stdout.trim() };
}
