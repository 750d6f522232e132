import { moduleFile } from '../connect/module-file.js';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundle } from '@temporalio/worker';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE_CONVERTER_PATH } from '../connect/payload-codec.js';
import { WORKFLOW_TRACING_MODULE } from '../connect/telemetry.js';

// As worker/create-workers.ts's WORKFLOWS_PATH, without loading every cloud's SDK to learn it.
const WORKFLOWS_PATH = moduleFile('../workflows/index.ts', import.meta.url);

/**
 * Run from a release build (dist/, as a team's tests run the installed kit), the bundle `npm run build` made of the
 * same workflows (worker/create-workers.ts's PREBUILT_BUNDLE): no bundling, and the code the release's workers run.
 */
const PREBUILT_BUNDLE = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('../workflow-bundle.js', import.meta.url))
  : undefined;

/** The playbook workflows bundled for the workflow sandbox, quietly: for the test stack and replay tests. */
export function bundlePlaybookWorkflows(): Promise<WorkflowBundle> {
  if (PREBUILT_BUNDLE && existsSync(PREBUILT_BUNDLE)) {
    return Promise.resolve({ code: readFileSync(PREBUILT_BUNDLE, 'utf8') });
  }
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // Failure text in encoded attributes, as the workers' own bundles (connect/failure-converter.ts).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // Tracing, as in the workers' own bundles (a worker registers the span exporter sink: worker/telemetry.ts).
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: quietBundlerLogger,
    webpackConfigHook: compileOwnTypeScript,
  });
}

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

// The package's root: this file is testing/workflow-bundle.ts in the checkout, dist/testing/workflow-bundle.js built.
const PACKAGE_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const PACKAGE_DEPENDENCIES = join(PACKAGE_ROOT, 'node_modules');

/**
 * Temporal's bundler compiles no TypeScript under node_modules, which is where Revoker's workflows
 * are when a team installs it to test with: its own sources are compiled, its dependencies still not.
 */
function compileOwnTypeScript(config: WebpackConfig): WebpackConfig {
  for (const rule of config.module?.rules ?? []) {
    if (!rule || typeof rule !== 'object' || !(rule.exclude instanceof RegExp)) continue;
    const excluded = rule.exclude;
    rule.exclude = (path: string) =>
      excluded.test(path) && !(path.startsWith(PACKAGE_ROOT) && !path.startsWith(PACKAGE_DEPENDENCIES));
  }
  return config;
}

const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => {},
};
