#!/usr/bin/env node
// Finds or installs the Chromium the browser end-to-end test drives (playwright-core never downloads
// one) and prints its path. Order: $CHROMIUM_PATH, Debian's /usr/bin/chromium, else — as root with
// apt-get — `apt-get install chromium` once. Plain JS with no dependencies: `npm test` runs it early.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onPath } from './find-on-path.mjs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const HOW =
  'Install it with `sudo apt-get install chromium` (Debian; the package that provides /usr/bin/chromium), ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable.';

/**
 * What to do, from the facts alone: `{ use: path }`, `{ install: aptGetPath }` (then use
 * /usr/bin/chromium), or `{ fail: message }`.
 */
export function planChromium({ chromiumPath, exists, isRoot, aptGet }) {
  if (chromiumPath) {
    return exists(chromiumPath)
      ? { use: chromiumPath }
      : { fail: `CHROMIUM_PATH is set to ${chromiumPath}, which does not exist. ${HOW}` };
  }
  if (exists(DEBIAN_CHROMIUM)) return { use: DEBIAN_CHROMIUM };
  if (isRoot && aptGet) return { install: aptGet };
  const why = isRoot ? 'apt-get is not available' : 'not running as root, so it is not installed automatically';
  return { fail: `Chromium is needed for the browser test and ${DEBIAN_CHROMIUM} is missing (${why}). ${HOW}` };
}

function log(message) {
  process.stderr.write(`[chromium] ${message}\n`);
}

/** Returns the path of a Chromium executable, installing Debian's package if it may; throws with what to do. */
export function ensureChromium(env = process.env) {
  const plan = planChromium({
    chromiumPath: env.CHROMIUM_PATH,
    exists: existsSync,
    isRoot: process.getuid?.() === 0,
    aptGet: onPath('apt-get'),
  });
  if (plan.fail) throw new Error(plan.fail);
  if (plan.use) return plan.use;

  log('installing Debian package chromium with apt-get (first run only)');
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    // stdout to stderr: this script's stdout is the path alone.
    const run = spawnSync(plan.install, args, { stdio: ['ignore', 2, 2], env: aptEnv });
    if (run.error || run.status !== 0) {
      throw new Error(`\`apt-get ${args.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`}). ${HOW}`);
    }
  }
  if (!existsSync(DEBIAN_CHROMIUM))
    throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing. ${HOW}`);
  log(`installed ${DEBIAN_CHROMIUM}`);
  return DEBIAN_CHROMIUM;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`[chromium] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
