// @ts-check
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'process',
  'url',
  'util',
  'stream',
  'events',
  'timers',
];

/**
 * Layers import downward (STYLE.md 13, CONTRIBUTING.md "Layout"): each product folder names the
 * folders it may import; any other product folder is refused. Top-level composers (testing/, test/,
 * scripts/, bin/, examples/) may import anything. `types` are folders it may import types from only.
 */
const LAYERS = {
  domain: {
    imports: [],
    testsMay: [],
    why: 'domain/ is the words of the product: it imports nothing outside itself',
  },
  connect: { imports: ['domain'], why: 'connect/ sits under the worker and the client: it imports domain/ only' },
  workflows: {
    imports: ['domain'],
    types: ['activities'],
    why: 'workflow code is bundled into the sandbox: domain/, and activity types only',
  },
  activities: { imports: ['domain', 'connect'], why: 'activities import domain/ and connect/, never client/' },
  worker: { imports: ['activities', 'domain', 'connect'], why: 'the worker composes activities: never client/' },
  client: {
    imports: ['domain', 'connect'],
    types: ['workflows'],
    why: 'client/ talks to Temporal: domain/ and connect/, workflow types only',
  },
  simulators: { imports: [], why: 'simulators stand in for the clouds: they know nothing of Revoker' },
};
const PRODUCT = [...Object.keys(LAYERS), 'testing', 'test', 'scripts'];
/** Unit tests beside the code may also start the simulators and find the repository (`testsMay`: other than these). */
const TEST_MAY_IMPORT = ['simulators', 'scripts'];
/** Bundled into Temporal's deterministic sandbox: no Node builtins. domain/ is imported by workflows. */
const SANDBOXED = ['workflows', 'domain'];
const SANDBOX_MESSAGE = 'Workflow code is sandboxed: no Node builtins.';
const builtinPaths = nodeBuiltins
  .filter((name) => !name.includes('*'))
  .map((name) => ({ name, message: SANDBOX_MESSAGE }));
const builtinPatterns = [{ group: ['node:*'], message: SANDBOX_MESSAGE }];

/** How deep below its layer's folder a file may sit and still be checked. */
const MAX_DEPTH = 4;

function layerRules() {
  return Object.entries(LAYERS).flatMap(([folder, layer]) =>
    // One block per depth, so `../` is counted up to the repository root exactly: simulators/entra/ importing
    // ../shared/ is simulators' own helper folder, not another layer.
    Array.from({ length: MAX_DEPTH }, (_, below) => {
      const up = '\\.\\./'.repeat(below + 1);
      const refused = (extra = []) =>
        PRODUCT.filter((other) => other !== folder && !layer.imports.includes(other) && !extra.includes(other)).map(
          (other) => ({
            regex: `^${up}${other}/`,
            ...(layer.types?.includes(other) ? { allowTypeImports: true } : {}),
            message: `${layer.why} (${folder}/ importing ${other}/).`,
          }),
        );
      const sandboxed = SANDBOXED.includes(folder);
      const dir = `${folder}/${'*/'.repeat(below)}`;
      return [
        {
          files: [`${dir}*.ts`],
          ignores: ['**/*.test.ts'],
          rules: {
            'no-restricted-imports': [
              'error',
              {
                paths: sandboxed ? builtinPaths : [],
                patterns: [...(sandboxed ? builtinPatterns : []), ...refused()],
              },
            ],
          },
        },
        {
          files: [`${dir}*.test.ts`],
          rules: { 'no-restricted-imports': ['error', { patterns: refused(layer.testsMay ?? TEST_MAY_IMPORT) }] },
        },
      ];
    }).flat(),
  );
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.revoker/**', 'test-results/**', 'dist/**', '**/*.mjs', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
);
