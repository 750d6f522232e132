#!/usr/bin/env node
// Finds or installs the official Temporal CLI (dev server + Web UI) and prints its path.
// Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, a cached go-installed build, else build it with
// `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into the cache (later tags carry a
// `replace` directive and cannot be go-installed). Plain JS with no dependencies: `npm start` runs
// it before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findGo, onPath } from './find-on-path.mjs';

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const CLI_TAG = 'v1.5.1';
/** The oldest server this project is tested with; the go-installed CLI reports `Server 1.29.1`. */
export const MIN_SERVER = [1, 29, 0];

export function cacheDir() {
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  return join(base, `temporal-cli-${CLI_TAG}`);
}

/** Parses `temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)`. */
export function parseVersion(text) {
  const server = /Server\s+(\d+)\.(\d+)\.(\d+)/.exec(text);
  const ui = /UI\s+(\d+\.\d+\.\d+)/.exec(text);
  if (!server) return undefined;
  return { server: server.slice(1, 4).map(Number), ui: ui?.[1], text: text.trim() };
}

function atLeast(version, min) {
  for (let i = 0; i < min.length; i++) {
    if (version[i] !== min[i]) return version[i] > min[i];
  }
  return true;
}

/** Returns why `path` is unusable, or undefined when it is a Temporal CLI with a recent enough server. */
export function checkCli(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) return `could not run "${path} --version": ${run.error?.message ?? run.stderr}`;
  const version = parseVersion(run.stdout);
  if (!version) return `"${path} --version" printed "${run.stdout.trim()}", which names no Temporal server version`;
  if (!atLeast(version.server, MIN_SERVER)) {
    return `${path} embeds Temporal Server ${version.server.join('.')}; Revoker needs ${MIN_SERVER.join('.')} or later`;
  }
  return undefined;
}

function log(message) {
  process.stderr.write(`[temporal-cli] ${message}\n`);
}

/** Finds or builds the CLI; throws an Error whose message says what to do. */
export function ensureTemporalCli() {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const problem = checkCli(explicit);
    if (problem) throw new Error(`TEMPORAL_CLI_PATH is set but unusable: ${problem}`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath && !checkCli(fromPath)) return fromPath;
  if (fromPath) log(`ignoring ${fromPath}: ${checkCli(fromPath)}`);

  const dir = cacheDir();
  const cached = join(dir, 'bin', 'temporal');
  if (existsSync(cached) && !checkCli(cached)) return cached;

  const go = findGo();
  if (!go) {
    throw new Error(
      'No Temporal CLI found and no Go toolchain to build one. Either set TEMPORAL_CLI_PATH to a `temporal` binary, ' +
        `put one on PATH, or install Go (https://go.dev/doc/install) so this script can run "go install ${CLI_MODULE}@${CLI_TAG}".`,
    );
  }
  log(`building ${CLI_MODULE}@${CLI_TAG} into ${dir} (first run only; about 5 minutes on 2 cores)`);
  const staging = join(dir, `staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync(go, ['install', `${CLI_MODULE}@${CLI_TAG}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: staging, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
    });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    // Rename is atomic, so a concurrent run never sees a half-written binary.
    renameSync(join(staging, 'temporal'), cached);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const problem = checkCli(cached);
  if (problem) throw new Error(`built ${cached} but it is unusable: ${problem}`);
  log(`installed ${cached}`);
  return cached;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureTemporalCli()}\n`);
  } catch (error) {
    process.stderr.write(`[temporal-cli] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
