#!/usr/bin/env node
// `npm run build`: the release. TypeScript compiled to dist/ (JavaScript, declarations and source maps) by the
// project's own tsc, the simulators' seed files beside their code, and the playbook workflows bundled once for
// Temporal's workflow sandbox (dist/workflow-bundle.js), which a worker started from dist/ loads instead of bundling
// at start. Then `node dist/worker/main.js`, `node dist/client/webhook/main.js` and `node dist/client/cli.js` run
// with plain node, no tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureNodeModules, ROOT } from './bootstrap.mjs';
import { unresolvedImports } from './relative-imports.mjs';

// `--out-dir <dir>` builds elsewhere (a test's own copy); it must be inside the checkout, so node finds node_modules.
const outAt = process.argv.indexOf('--out-dir');
const DIST = outAt > 0 ? resolve(ROOT, process.argv[outAt + 1] ?? '') : join(ROOT, 'dist');
if (relative(ROOT, DIST).startsWith('..') || DIST === ROOT) {
  throw new Error(`--out-dir must name a directory inside ${ROOT}, where node finds Revoker's node_modules`);
}

function step(name, run) {
  const started = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  run();
  process.stdout.write(`  ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** Every `fixtures` directory under `dir` (seed files the simulators load at start). */
function fixtureDirs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory()) return [];
    const path = join(dir, entry.name);
    return entry.name === 'fixtures' ? [path] : fixtureDirs(path);
  });
}

/** Every compiled module under `dir` (the workflow bundle has no imports of its own). */
function modulesIn(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.m?js$/.test(entry.name) && entry.name !== 'workflow-bundle.js')
    .map((entry) => join(entry.parentPath, entry.name));
}

ensureNodeModules();
step('clean dist/', () => rmSync(DIST, { recursive: true, force: true }));
step('compile (tsc -p tsconfig.build.json)', () => {
  const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', DIST], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc failed: the errors are above');
});
step('copy the simulators\u2019 seed files', () => {
  for (const dir of fixtureDirs(join(ROOT, 'simulators'))) {
    cpSync(dir, join(DIST, relative(ROOT, dir)), { recursive: true });
  }
});
await stepAsync('bundle the workflows (dist/workflow-bundle.js)', async () => {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const workflowsPath = join(DIST, 'workflows', 'index.js');
  const failureConverterPath = join(DIST, 'connect', 'failure-converter.js');
  const telemetryPath = join(DIST, 'connect', 'telemetry.js');
  for (const path of [workflowsPath, failureConverterPath, telemetryPath]) {
    if (!existsSync(path)) throw new Error(`${relative(ROOT, path)} was not compiled`);
  }
  // The OpenTelemetry workflow interceptors are bundled in: a worker cannot add them to a prebuilt bundle.
  const { WORKFLOW_TRACING_MODULE } = await import(pathToFileURL(telemetryPath).href);
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
  });
  writeFileSync(join(DIST, 'workflow-bundle.js'), code);
});
step('check that every relative import in dist/ resolves', () => {
  const missing = unresolvedImports(modulesIn(DIST), existsSync);
  if (missing.length) {
    throw new Error(
      missing
        .map(({ file, specifier }) => `${relative(ROOT, file)} imports ${specifier}, which the build did not emit`)
        .join('\n') +
        "\n(a module tsc reaches only through a .d.mts is not compiled: add it to tsconfig.build.json's include)",
    );
  }
});
const out = relative(ROOT, DIST);
process.stdout.write(
  `${out}/ is ready: node ${out}/worker/main.js, node ${out}/client/webhook/main.js, node ${out}/client/cli.js\n`,
);

async function stepAsync(name, run) {
  const started = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  await run();
  process.stdout.write(`  ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
