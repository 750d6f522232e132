#!/usr/bin/env node
// Finds or builds one of the Go tools under tools/ that the deployment tests run, and prints its path:
// `node scripts/ensure-go-tool.mjs dockerfile-lint`. Order: its variable (DOCKERFILE_LINT_PATH, KUSTOMIZE_PATH), a
// cached build, else `go build` from the Go module proxy into ~/.cache/revoker/<tool>-<version>-<source hash>/ (a
// minute or so on 2 cores, once a machine; a change to the tool's sources or go.sum builds it anew). Plain JS with no
// dependencies, like the other ensure scripts.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findGo } from './find-on-path.mjs';

const TOOLS_DIR = fileURLToPath(new URL('../tools/', import.meta.url));

/** Each tool: the variable that names a build of it, and the module whose release names the cache. */
export const GO_TOOLS = {
  // BuildKit's Dockerfile linter, the checks of `docker build --check` (test/image.test.ts).
  'dockerfile-lint': { env: 'DOCKERFILE_LINT_PATH', module: 'github.com/moby/buildkit' },
  // `kustomize build` (test/deploy-manifests.test.ts).
  kustomize: { env: 'KUSTOMIZE_PATH', module: 'sigs.k8s.io/kustomize/api' },
};

function toolOf(name) {
  const tool = GO_TOOLS[name];
  if (!tool) throw new Error(`no Go tool ${name}: one of ${Object.keys(GO_TOOLS).join(', ')}`);
  return { ...tool, dir: join(TOOLS_DIR, name) };
}

/** The release of the tool's main module its go.mod requires, e.g. v0.35.1. */
export function toolVersion(name) {
  const { dir, module } = toolOf(name);
  const goMod = readFileSync(join(dir, 'go.mod'), 'utf8');
  const version = new RegExp(`^\\s*${module.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(goMod)?.[1];
  if (!version) throw new Error(`tools/${name}/go.mod requires no ${module}`);
  return version;
}

export function cacheDir(name) {
  const { dir } = toolOf(name);
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  const hash = createHash('sha256');
  const sources = readdirSync(dir)
    .filter((file) => file === 'go.mod' || file === 'go.sum' || file.endsWith('.go'))
    .sort();
  for (const file of sources) hash.update(file).update(readFileSync(join(dir, file)));
  return join(base, `${name}-${toolVersion(name)}-${hash.digest('hex').slice(0, 12)}`);
}

/** Finds or builds tools/<name>; throws an Error whose message says what to do. */
export function ensureGoTool(name) {
  const { env, dir: source, module } = toolOf(name);
  const explicit = process.env[env];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${env} is set to ${explicit}, which does not exist`);
    return explicit;
  }
  const dir = cacheDir(name);
  const cached = join(dir, 'bin', name);
  if (existsSync(cached)) return cached;
  const go = findGo();
  if (!go) {
    throw new Error(
      `No Go toolchain to build tools/${name}: install Go (https://go.dev/doc/install), or set ${env} to a build of it`,
    );
  }
  process.stderr.write(
    `[${name}] building tools/${name} (${module} ${toolVersion(name)}) into ${dir} (first run only)\n`,
  );
  const staging = join(dir, `staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync(go, ['build', '-o', join(staging, name), '.'], {
      cwd: source,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() },
    });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    // Rename is atomic, so a concurrent run never sees a half-written binary.
    renameSync(join(staging, name), cached);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return cached;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureGoTool(process.argv[2] ?? '')}\n`);
  } catch (error) {
    process.stderr.write(`[go-tool] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
