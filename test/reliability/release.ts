// The release, as the reliability tests run it: `npm run build` into a directory of its own, and the built processes
// started with plain `node` (no tsx, no TypeScript loader anywhere), and what the tests that start Revoker's own
// processes share.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from '../../testing/stack.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Builds into `outDir` (relative to the repo) and checks the entry points are there; returns the seconds it took. */
export function buildRelease(outDir: string): number {
  const started = Date.now();
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--out-dir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
  for (const file of ['worker/main.js', 'client/cli.js', 'client/webhook/main.js', 'workflow-bundle.js']) {
    assert.ok(existsSync(join(ROOT, outDir, file)), `the build has ${file}`);
  }
  return (Date.now() - started) / 1000;
}

/** Nothing may reach for TypeScript: no loader is registered, and none may be picked up from the environment. */
export const PLAIN_NODE = { NODE_OPTIONS: '' } as const;

/** What a deployment gives a Revoker process to reach the test stack: its Temporal and the simulators' endpoints. */
export function stackEnvironment(stack: Stack): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: 'default',
    REVOKER_AWS_ENDPOINT: stack.aws.endpoint,
    REVOKER_ENTRA_AUTHORITY_HOST: stack.entra.authorityHost,
    REVOKER_GRAPH_ENDPOINT: stack.entra.graphEndpoint,
    REVOKER_GCP_IAM_ENDPOINT: stack.gcp.rootUrl,
  };
}

/** Resolves with the worker's output once it logs that it is ready. */
export function untilReady(child: ChildProcess, what = 'built worker'): Promise<string> {
  return untilOutput(child, /worker ready/, what);
}

/**
 * Resolves with a child's output (stdout and stderr) once `ready` shows in it; rejects with that output when the child
 * exits first or `ms` pass. One definition for every reliability test that starts a Revoker process.
 */
export function untilOutput(child: ChildProcess, ready: RegExp, what: string, ms = 120_000): Promise<string> {
  const output: string[] = [];
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready in ${ms / 1000} s:\n${output.join('')}`)), ms);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (ready.test(chunk.toString())) {
        clearTimeout(timer);
        resolve(output.join(''));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output.join('')}`));
    });
  });
}
