#!/usr/bin/env node
// Finds or builds a real Kubernetes control plane for tests: kube-apiserver, kube-controller-manager
// (its serviceaccount and serviceaccount-token controllers fill legacy token Secrets) and etcd, and
// prints their paths as JSON. Order, for each binary: its environment variable (KUBE_APISERVER_PATH,
// KUBE_CONTROLLER_MANAGER_PATH, ETCD_PATH), else a build cached in <cache>/kube-<version>/bin/, else
// `go build` of tools/kube (k8s.io/kubernetes used as a library, every k8s.io/* staging module pinned
// to its release) into that cache. The first build fetches about 130 MB of Go modules (590 MB in
// the module cache), compiles about 2,500 packages (about 1,250 CPU-seconds: 18 minutes measured on
// 2 cores shared with another job, so roughly 11 on 2 idle ones; 2.6 GB of memory at most; 3.6 GB of
// Go build cache) and leaves 238 MiB of binaries; later runs find the cache at once.
//
// etcd: built from the same module graph (go.etcd.io/etcd/server/v3, the release k8s.io/kubernetes
// pins) rather than Debian's etcd-server (bookworm has 3.4.23, older than any etcd Kubernetes 1.37
// supports) or kine with SQLite (a second dependency graph, cgo, and not what a cluster runs). Much of
// it is compiled anyway for the apiserver's etcd client, and the binary is 24 MiB.
//
// Plain JS with no dependencies, like ensure-temporal-cli.mjs: `npm test` runs it before tests.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findGo } from './find-on-path.mjs';

export const KUBE_VERSION = 'v1.37.2';
/** The oldest etcd Kubernetes 1.37 supports; ETCD_PATH may name any release from it on. */
export const MIN_ETCD = [3, 5, 0];
/** The oldest Kubernetes a KUBE_*_PATH override may be (the tests rely on TokenRequest, bound tokens, SelfSubjectReview). */
export const MIN_KUBE = [1, 34, 0];
export const TOOLS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'tools', 'kube');

/** What is built, what it is called in the cache, and the variable that overrides it. */
export const BINARIES = {
  kubeApiserver: { file: 'kube-apiserver', env: 'KUBE_APISERVER_PATH', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  kubeControllerManager: {
    file: 'kube-controller-manager',
    env: 'KUBE_CONTROLLER_MANAGER_PATH',
    pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager',
  },
  // `go build -o dir/` names a package ending in /v3 after the element before it: "server".
  etcd: { file: 'etcd', env: 'ETCD_PATH', pkg: 'go.etcd.io/etcd/server/v3', built: 'server' },
};

export function cacheDir() {
  const base =
    process.env.REVOKER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'revoker');
  return join(base, `kube-${KUBE_VERSION}`);
}

/** Parses `Kubernetes v1.37.2` (kube-apiserver and kube-controller-manager `--version`). */
export function parseKubeVersion(text) {
  const match = /Kubernetes v(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

/** Parses `etcd Version: 3.7.0` (etcd `--version`). */
export function parseEtcdVersion(text) {
  const match = /etcd Version:\s*(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function atLeast(version, min) {
  for (let i = 0; i < min.length; i++) {
    if (version[i] !== min[i]) return version[i] > min[i];
  }
  return true;
}

/** Returns why `path` is not a usable `name` ('kubeApiserver', 'kubeControllerManager', 'etcd'), or undefined. */
export function checkBinary(name, path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) return `could not run "${path} --version": ${run.error?.message ?? run.stderr}`;
  const output = `${run.stdout}${run.stderr}`.trim();
  if (name === 'etcd') {
    const version = parseEtcdVersion(output);
    if (!version) return `"${path} --version" printed "${output}", which names no etcd version`;
    if (!atLeast(version, MIN_ETCD))
      return `${path} is etcd ${version.join('.')}; Kubernetes needs ${MIN_ETCD.join('.')} or later`;
    return undefined;
  }
  const version = parseKubeVersion(output);
  if (!version) return `"${path} --version" printed "${output}", which names no Kubernetes version`;
  if (!atLeast(version, MIN_KUBE))
    return `${path} is Kubernetes ${version.join('.')}; Revoker needs ${MIN_KUBE.join('.')} or later`;
  return undefined;
}

function log(message) {
  process.stderr.write(`[kube] ${message}\n`);
}

/** The build's inputs: a cache built from another go.mod or go.sum is rebuilt. */
export function buildStamp() {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(TOOLS_DIR, file)));
  return { version: KUBE_VERSION, inputs: hash.digest('hex') };
}

function readStamp(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The cached binaries when they were built from this go.mod and go.sum and still run, else undefined.
 * Never builds: for callers that must not wait a quarter of an hour.
 */
export function findCachedKube(dir = cacheDir()) {
  const stamp = readStamp(dir);
  const wanted = buildStamp();
  if (stamp?.version !== wanted.version || stamp?.inputs !== wanted.inputs) return undefined;
  const paths = {};
  for (const [name, binary] of Object.entries(BINARIES)) {
    const path = join(dir, 'bin', binary.file);
    if (!existsSync(path) || checkBinary(name, path)) return undefined;
    paths[name] = path;
  }
  return paths;
}

function ldflags() {
  const [major, minor] = KUBE_VERSION.slice(1).split('.');
  // What Kubernetes' own build stamps (hack/lib/version.sh), so `--version` and /version say v1.37.2
  // instead of v0.0.0-master, and the binaries' default emulation version is this release.
  const stamp = (pkg) => [
    `-X ${pkg}.gitVersion=${KUBE_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
  return ['-s', '-w', ...stamp('k8s.io/component-base/version'), ...stamp('k8s.io/client-go/pkg/version')].join(' ');
}

function run(command, args, { env, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: TOOLS_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    let stdout = '';
    let partial = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine?.(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) tail.push(partial);
      if (code === 0) resolve(stdout);
      else reject(new Error(`\`go ${args.join(' ')}\` in ${TOOLS_DIR} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

function formatElapsed(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function sizeOf(path) {
  return statSync(path).size;
}

/** Builds the three binaries into `dir/bin` (via a staging folder, so a concurrent run never sees half a build). */
export async function buildKube(dir = cacheDir()) {
  const go = findGo();
  if (!go) {
    throw new Error(
      'No Kubernetes control plane is cached and there is no Go toolchain to build one. Install Go 1.26 or later ' +
        '(https://go.dev/doc/install) so this script can build tools/kube, or set KUBE_APISERVER_PATH, ' +
        `KUBE_CONTROLLER_MANAGER_PATH and ETCD_PATH to kube-apiserver and kube-controller-manager ${KUBE_VERSION} and etcd 3.5 or later.`,
    );
  }
  const env = {
    ...process.env,
    // Static binaries, as Kubernetes releases them; no C compiler needed.
    CGO_ENABLED: '0',
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim(),
  };
  const started = Date.now();
  log(`building kube-apiserver, kube-controller-manager ${KUBE_VERSION} and etcd into ${dir}`);
  log('first run only: about 130 MB of Go modules, then 11 to 18 minutes of compiling on 2 cores');
  const ticker = setInterval(() => log(`still working (${formatElapsed(Date.now() - started)})`), 60_000);
  const staging = join(dir, `staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    log('downloading modules (go mod download)');
    await run(go, ['mod', 'download'], { env });
    const packages = Object.values(BINARIES).map((binary) => binary.pkg);
    // With a cold build cache the standard library is compiled too (-trimpath), so count it.
    const deps = await run(go, ['list', '-deps', '-f', '{{.ImportPath}}', ...packages], { env });
    const total = deps.split('\n').filter(Boolean).length;
    log(
      `compiling up to ${total} packages (${formatElapsed(Date.now() - started)} so far; fewer if some are in Go's build cache)`,
    );
    let compiled = 0;
    let nextReport = 250;
    // -v names each package as it is compiled, which is the only progress `go build` gives.
    await run(go, ['build', '-v', '-trimpath', `-ldflags=${ldflags()}`, '-o', `${staging}/`, ...packages], {
      env,
      onLine: (line) => {
        if (!/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) return;
        compiled += 1;
        if (compiled >= nextReport) {
          log(`compiled ${compiled} of up to ${total} packages (${formatElapsed(Date.now() - started)})`);
          nextReport += 250;
        }
      },
    });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    let bytes = 0;
    for (const [name, binary] of Object.entries(BINARIES)) {
      const target = join(dir, 'bin', binary.file);
      // Rename is atomic: a concurrent reader sees the old binary or the new one.
      renameSync(join(staging, binary.built ?? binary.file), target);
      const problem = checkBinary(name, target);
      if (problem) throw new Error(`built ${target} but it is unusable: ${problem}`);
      bytes += sizeOf(target);
    }
    writeFileSync(
      join(dir, 'build.json'),
      `${JSON.stringify({ ...buildStamp(), builtAt: new Date().toISOString() })}\n`,
    );
    log(`built in ${formatElapsed(Date.now() - started)}: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${join(dir, 'bin')}`);
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The paths of kube-apiserver, kube-controller-manager and etcd (`{ kubeApiserver, kubeControllerManager,
 * etcd }`), building the ones no variable names; throws an Error whose message says what to do.
 */
export async function ensureKube() {
  const paths = {};
  for (const [name, binary] of Object.entries(BINARIES)) {
    const explicit = process.env[binary.env];
    if (!explicit) continue;
    const problem = checkBinary(name, explicit);
    if (problem) throw new Error(`${binary.env} is set but unusable: ${problem}`);
    paths[name] = explicit;
  }
  if (Object.keys(paths).length === Object.keys(BINARIES).length) return paths;
  const dir = cacheDir();
  let cached = findCachedKube(dir);
  if (!cached) {
    await buildKube(dir);
    cached = findCachedKube(dir);
    if (!cached) throw new Error(`built the control plane into ${dir} but cannot find it there afterwards`);
  }
  return { ...cached, ...paths };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${JSON.stringify(await ensureKube(), null, 2)}\n`);
  } catch (error) {
    process.stderr.write(`[kube] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
