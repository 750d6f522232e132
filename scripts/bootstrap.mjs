// Installs npm dependencies when they are missing or older than package-lock.json. Plain JS with no
// dependencies: `npm start` and `npm test` run it on a fresh clone before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function ensureNodeModules() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  process.stderr.write('[bootstrap] installing npm dependencies (npm ci)\n');
  const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error('npm ci failed: check your network access to the npm registry and run `npm ci` by hand to see why');
  }
}
