// The layering rule of eslint.config.js, shown to refuse what it must: `npm test` lints the tree with it,
// and this keeps it from quietly growing a hole (an allowed folder, a regex that no longer matches).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const eslint = new ESLint({
  cwd: ROOT,
  // Only the import rules: no type information is needed, so the snippets need not exist on disk.
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

/** The refusal messages for `code` linted as if it were the file at `path`. */
async function refusals(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? []).map((m) => m.message);
}

const refuses = async (path: string, code: string, why: RegExp) => {
  const found = await refusals(path, code);
  assert.equal(found.length, 1, `${path}: ${code} → ${found.join('; ') || 'accepted'}`);
  assert.match(found[0] ?? '', why);
};
const accepts = async (path: string, code: string) =>
  assert.deepEqual(await refusals(path, code), [], `${path}: ${code}`);

describe('layers import downward', () => {
  it('refuses client/ in activities/ and worker/, tests included', async () => {
    await refuses('activities/notify.ts', "import { x } from '../client/start-playbook.js';", /never client/);
    await refuses('activities/notify.test.ts', "import { x } from '../client/cli/format.js';", /never client/);
    await refuses('worker/main.ts', "import { x } from '../client/webhook/main.js';", /never client/);
    await refuses('worker/main.ts', "import type { X } from '../client/start-playbook.js';", /never client/);
  });

  it('lets activities/ and worker/ reach domain/ and connect/, and the worker activities/', async () => {
    await accepts('activities/notify.ts', "import { x } from '../connect/ui-url.js';");
    await accepts('activities/notify.ts', "import { x } from '../domain/report.js';");
    await accepts('worker/main.ts', "import { x } from '../connect/temporal-connection.js';");
    await accepts('worker/create-workers.ts', "import { x } from '../activities/aws.js';");
    await refuses('activities/aws.ts', "import { x } from '../worker/aws-clients.js';", /activities import domain/);
  });

  it('refuses every other layer in domain/, and Node builtins outside its tests', async () => {
    for (const other of ['connect', 'activities', 'worker', 'client', 'workflows', 'simulators', 'testing']) {
      await refuses('domain/plan.ts', `import { x } from '../${other}/a.js';`, /imports nothing outside itself/);
    }
    await refuses('domain/plan.ts', "import { x } from 'node:crypto';", /no Node builtins/);
    await accepts('domain/plan.ts', "import { x } from './action.js';");
    await accepts('domain/plan.test.ts', "import assert from 'node:assert/strict';");
    await refuses('domain/plan.test.ts', "import { x } from '../simulators/aws/index.js';", /nothing outside/);
  });

  it('keeps connect/ under the worker and the client', async () => {
    await refuses('connect/link-token.ts', "import { x } from '../client/webhook/auth.js';", /domain\/ only/);
    await refuses('connect/ui-url.ts', "import { x } from '../activities/errors.js';", /domain\/ only/);
    await accepts('connect/link-token.ts', "import { x } from '../domain/decision.js';");
  });

  it('lets workflows/ import activity types only, and client/ workflow types only', async () => {
    await accepts('workflows/playbook.ts', "import type { X } from '../activities/aws.js';");
    await refuses('workflows/playbook.ts', "import { x } from '../activities/aws.js';", /activity types only/);
    await refuses('workflows/playbook.ts', "import type { X } from '../connect/ui-url.js';", /sandbox/);
    await accepts('client/start-playbook.ts', "import type { X } from '../workflows/playbook.js';");
    await refuses('client/cli/format.ts', "import { x } from '../../workflows/details.js';", /workflow types only/);
    await refuses('client/cli/format.ts', "import { x } from '../../activities/errors.js';", /client\/ talks/);
  });

  it("counts ../ to the repository root: a simulator's own shared/ is not another layer", async () => {
    await accepts('simulators/entra/server.ts', "import { x } from '../shared/serve.js';");
    await refuses('simulators/entra/server.ts', "import { x } from '../../domain/alert.js';", /know nothing/);
  });
});
