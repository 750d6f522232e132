#!/usr/bin/env node
// Finds or builds a real Temporal cluster's parts for the cluster test, and prints their paths as JSON: the Temporal
// server (`go.temporal.io/server/cmd/server`, all services in one process), its SQL schema tool
// (`cmd/tools/sql`, temporal-sql-tool), the PostgreSQL schema files of the same release, and PostgreSQL from Debian.
//
// The server and the tool: TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, else a build cached in
// <cache>/temporal-server-v1.29.1/bin/, else `go install <pkg>@v1.29.1` of both into that cache (the release the CLI
// v1.5.1 embeds, so its modules are already in the Go module cache where ensure-temporal-cli.mjs ran; `go install
// pkg@version` builds in a module of its own, so no dependency's replace directive applies). Measured: 3 min 40 s
// on 2 shared cores with the CLI's build cache warm; 14 min 35 s from an empty GOCACHE (niced, under a load of 9 to
// 12; 1.2 GB of build cache). The schema comes from the same module (schema/postgresql/v12), copied next to the
// binaries.
//
// PostgreSQL: the newest /usr/lib/postgresql/<major>/bin with initdb, pg_ctl and postgres; when there is none, as
// root with apt-get, `apt-get install postgresql` once (as ensure-chromium.mjs installs Chromium). PostgreSQL refuses
// to run as root: `postgres.user` names the unprivileged account to run it as (Debian's `postgres`) when this runs as
// root, and is absent otherwise (run it as yourself).
//
// Plain JS with no dependencies, like the other ensure-*.mjs scripts.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findGo, onPath } from './find-on-path.mjs';

export const SERVER_MODULE = 'go.temporal.io/server';
export const SERVER_TAG = 'v1.29.1';
/** The oldest server a TEMPORAL_SERVER_PATH may be: the one the CLI's dev server embeds (ensure-temporal-cli.mjs). */
export const MIN_SERVER = [1, 29, 0];
export const POSTGRES_ROOT = '/usr/lib/postgresql';
/** The schema directory inside the module, and inside the cache. */
export const SCHEMA = join('schema', 'postgresql', 'v12');

/** What is built, what it is called in the cache, and the variable that overrides it. */
export const BINARIES = {
  server: { file: 'temporal-server', env: 'TEMPORAL_SERVER_PATH', pkg: `${SERVER_MODULE}/cmd/server`, built: 'server' },
  sqlTool: {
    file: 'temporal-sql-tool',
    env: 'TEMPORAL_SQL_TOOL_PATH',
    pkg: `${SERVER_MODULE}/cmd/tools/sql`,
    built: 'sql',
  },
};

const HOW_POSTGRES =
  'Install it with `sudo apt-get install postgresql` (Debian; it provides /usr/lib/postgresql/<major>/bin).';

export function cacheDir() {
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  return join(base, `temporal-server-${SERVER_TAG}`);
}

/** Parses `temporal version 1.29.1` (the server) and `temporal-sql-tool version 1.29.1`. */
export function parseServerVersion(text) {
  const match = /version (\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function atLeast(version, min) {
  for (let i = 0; i < min.length; i++) {
    if (version[i] !== min[i]) return version[i] > min[i];
  }
  return true;
}

/** Returns why `path` is not a usable Temporal server or SQL tool, or undefined. */
export function checkBinary(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) return `could not run "${path} --version": ${run.error?.message ?? run.stderr}`;
  const version = parseServerVersion(run.stdout);
  if (!version) return `"${path} --version" printed "${run.stdout.trim()}", which names no Temporal version`;
  if (!atLeast(version, MIN_SERVER)) {
    return `${path} is Temporal ${version.join('.')}; Revoker is tested with ${MIN_SERVER.join('.')} or later`;
  }
  return undefined;
}

/**
 * What to do about PostgreSQL, from the facts alone: `{ use: binDir }`, `{ install: aptGetPath }` (then look again),
 * or `{ fail: message }`. `majors` lists the directories under /usr/lib/postgresql.
 */
export function planPostgres({ majors, exists, isRoot, aptGet }) {
  const usable = majors
    .filter((major) => /^\d+$/.test(major))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(POSTGRES_ROOT, major, 'bin'))
    .find((bin) => ['initdb', 'pg_ctl', 'postgres'].every((name) => exists(join(bin, name))));
  if (usable) return { use: usable };
  if (isRoot && aptGet) return { install: aptGet };
  const why = isRoot ? 'apt-get is not available' : 'not running as root, so it is not installed automatically';
  return {
    fail: `PostgreSQL is needed for the cluster test and none is under ${POSTGRES_ROOT} (${why}). ${HOW_POSTGRES}`,
  };
}

function log(message) {
  process.stderr.write(`[temporal-server] ${message}\n`);
}

function listMajors() {
  try {
    return readdirSync(POSTGRES_ROOT);
  } catch {
    return [];
  }
}

/** PostgreSQL's bin directory and the account to run it as; installs Debian's package if it may. */
export function ensurePostgres() {
  const facts = { exists: existsSync, isRoot: process.getuid?.() === 0, aptGet: onPath('apt-get') };
  let plan = planPostgres({ ...facts, majors: listMajors() });
  if (plan.install) {
    log('installing Debian package postgresql with apt-get (first run only)');
    const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', 'postgresql'],
    ]) {
      // stdout to stderr: this script's stdout is the JSON alone.
      const run = spawnSync(plan.install, args, { stdio: ['ignore', 2, 2], env: aptEnv });
      if (run.error || run.status !== 0) {
        throw new Error(
          `\`apt-get ${args.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`}). ${HOW_POSTGRES}`,
        );
      }
    }
    plan = planPostgres({ ...facts, aptGet: undefined, majors: listMajors() });
  }
  if (plan.fail) throw new Error(plan.fail);
  if (!facts.isRoot) return { bin: plan.use };
  // Debian's package makes the account; a machine that had the binaries without it gets one.
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: ['ignore', 2, 2],
    });
    if (made.status !== 0) throw new Error('PostgreSQL refuses to run as root and there is no postgres account to use');
  }
  return { bin: plan.use, user: 'postgres' };
}

function formatElapsed(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Copies a read-only module-cache tree into a writable one (a later rebuild can remove it). */
function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const target = join(to, entry);
    if (statSync(source).isDirectory()) copyTree(source, target);
    else {
      copyFileSync(source, target);
      chmodSync(target, 0o644);
    }
  }
}

/** The cache is whole when both binaries run and the schema is there; `build.json` names the release built. */
export function findCachedServer(dir = cacheDir()) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (stamp?.version !== SERVER_TAG) return undefined;
  const paths = {};
  for (const [name, binary] of Object.entries(BINARIES)) {
    const path = join(dir, 'bin', binary.file);
    if (!existsSync(path) || checkBinary(path)) return undefined;
    paths[name] = path;
  }
  const schemaDir = join(dir, SCHEMA);
  if (!existsSync(join(schemaDir, 'temporal', 'versioned'))) return undefined;
  return { ...paths, schemaDir };
}

/** Builds both binaries and copies the schema into `dir` (via a staging folder, so a concurrent run never sees half). */
export function buildServer(dir = cacheDir()) {
  const go = findGo();
  if (!go) {
    throw new Error(
      'No Temporal server is cached and there is no Go toolchain to build one. Install Go 1.25 or later ' +
        `(https://go.dev/doc/install) so this script can run "go install ${BINARIES.server.pkg}@${SERVER_TAG}", or set ` +
        'TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH to a temporal-server and temporal-sql-tool 1.29 or later.',
    );
  }
  const started = Date.now();
  log(`building ${SERVER_MODULE}@${SERVER_TAG} (server and temporal-sql-tool) into ${dir}`);
  log('first run only: a few minutes when the Temporal CLI was built here before, longer on a cold Go build cache');
  const staging = join(dir, `staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    // The flags the CLI was built with (ensure-temporal-cli.mjs), so Go's build cache of its packages serves here too.
    const env = { ...process.env, GOBIN: staging, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' };
    const packages = Object.values(BINARIES).map((binary) => `${binary.pkg}@${SERVER_TAG}`);
    const built = spawnSync(go, ['install', '-ldflags=-s -w', ...packages], {
      stdio: ['ignore', 2, 2],
      env,
    });
    if (built.error || built.status !== 0) {
      throw new Error(
        `\`go install ${packages.join(' ')}\` failed (${built.error?.message ?? `exit ${built.status}`})`,
      );
    }
    const where = spawnSync(go, ['mod', 'download', '-json', `${SERVER_MODULE}@${SERVER_TAG}`], {
      encoding: 'utf8',
      env,
    });
    const moduleDir = where.status === 0 ? JSON.parse(where.stdout).Dir : undefined;
    if (!moduleDir || !existsSync(join(moduleDir, SCHEMA))) {
      throw new Error(`cannot find ${SCHEMA} in ${SERVER_MODULE}@${SERVER_TAG}: ${where.stderr}`);
    }
    copyTree(join(moduleDir, SCHEMA), join(staging, SCHEMA));
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const binary of Object.values(BINARIES)) {
      const target = join(dir, 'bin', binary.file);
      // Rename is atomic: a concurrent reader sees the old binary or the new one.
      renameSync(join(staging, binary.built), target);
      const problem = checkBinary(target);
      if (problem) throw new Error(`built ${target} but it is unusable: ${problem}`);
    }
    rmSync(join(dir, SCHEMA), { recursive: true, force: true });
    mkdirSync(join(dir, 'schema', 'postgresql'), { recursive: true });
    renameSync(join(staging, SCHEMA), join(dir, SCHEMA));
    const buildSeconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(
      join(dir, 'build.json'),
      `${JSON.stringify({ version: SERVER_TAG, builtAt: new Date().toISOString(), buildSeconds })}\n`,
    );
    log(`built in ${formatElapsed(Date.now() - started)} into ${join(dir, 'bin')}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `{ server, sqlTool, schemaDir, postgres: { bin, user? } }`, building or installing what is missing; throws an
 * Error whose message says what to do.
 */
export function ensureTemporalServer() {
  const postgres = ensurePostgres();
  const explicit = {};
  for (const [name, binary] of Object.entries(BINARIES)) {
    const path = process.env[binary.env];
    if (!path) continue;
    const problem = checkBinary(path);
    if (problem) throw new Error(`${binary.env} is set but unusable: ${problem}`);
    explicit[name] = path;
  }
  const dir = cacheDir();
  let cached = findCachedServer(dir);
  if (!cached) {
    buildServer(dir);
    cached = findCachedServer(dir);
    if (!cached) throw new Error(`built the Temporal server into ${dir} but cannot find it there afterwards`);
  }
  return { ...cached, ...explicit, postgres };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${JSON.stringify(ensureTemporalServer(), null, 2)}\n`);
  } catch (error) {
    process.stderr.write(`[temporal-server] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
