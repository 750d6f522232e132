#!/usr/bin/env node
// Finds or builds tools/dockerfile-lint (BuildKit's Dockerfile linter, the checks of `docker build --check`, without a
// Docker engine) and prints its path. Order: $DOCKERFILE_LINT_PATH, a cached build, else `go build` from the Go module
// proxy into ~/.cache/revoker/dockerfile-lint-<version>-<source hash>/ (about a minute on 2 cores, once a machine;
// a change to the tool's sources or go.sum builds anew). Plain JS with no dependencies, like the other ensure scripts.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TOOL_DIR = fileURLToPath(new URL('../tools/dockerfile-lint/', import.meta.url));
export const BUILDKIT_MODULE = 'github.com/moby/buildkit';

/** The BuildKit release tools/dockerfile-lint/go.mod requires, e.g. v0.35.1. */
export function buildkitVersion() {
  const goMod = readFileSync(join(TOOL_DIR, 'go.mod'), 'utf8');
  const version = new RegExp(`^\\s*${BUILDKIT_MODULE.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(goMod)?.[1];
  if (!version) throw new Error(`tools/dockerfile-lint/go.mod requires no ${BUILDKIT_MODULE}`);
  return version;
}

export function cacheDir() {
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(TOOL_DIR, file)));
  return join(base, `dockerfile-lint-${buildkitVersion()}-${hash.digest('hex').slice(0, 12)}`);
}

function findGo() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

function log(message) {
  process.stderr.write(`[dockerfile-lint] ${message}\n`);
}

/** Finds or builds the linter; throws an Error whose message says what to do. */
export function ensureDockerfileLint() {
  const explicit = process.env.DOCKERFILE_LINT_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`DOCKERFILE_LINT_PATH is set to ${explicit}, which does not exist`);
    return explicit;
  }
  const dir = cacheDir();
  const cached = join(dir, 'bin', 'dockerfile-lint');
  if (existsSync(cached)) return cached;
  const go = findGo();
  if (!go) {
    throw new Error(
      'No Go toolchain to build tools/dockerfile-lint: install Go (https://go.dev/doc/install), ' +
        'or set DOCKERFILE_LINT_PATH to a build of it',
    );
  }
  log(`building tools/dockerfile-lint (${BUILDKIT_MODULE} ${buildkitVersion()}) into ${dir} (first run only)`);
  const staging = join(dir, `staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync(go, ['build', '-o', join(staging, 'dockerfile-lint'), '.'], {
      cwd: TOOL_DIR,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() },
    });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    // Rename is atomic, so a concurrent run never sees a half-written binary.
    renameSync(join(staging, 'dockerfile-lint'), cached);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`installed ${cached}`);
  return cached;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureDockerfileLint()}\n`);
  } catch (error) {
    process.stderr.write(`[dockerfile-lint] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
