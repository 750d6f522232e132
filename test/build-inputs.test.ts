// The release build compiles what tsconfig.build.json includes, and tsc typechecks a module it reaches only through
// a declaration file (a `.d.mts` beside an `.mjs`) without emitting it: dist/ then imports a file that is not there,
// which only the slow kit and release tests would find. This asks tsc for the build's inputs (no emit) and checks
// that every relative import of an emitted module names another emitted one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { relativeImports, unresolvedImports } from '../scripts/relative-imports.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DECLARATION = /\.d\.[mc]?ts$/;

/** The build's input files, as tsc resolves them from tsconfig.build.json. */
function buildInputs(): string[] {
  const out = execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.build.json', '--listFilesOnly'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((path) => path.startsWith(ROOT) && !path.includes('/node_modules/'));
}

/** Whether `path` (an import's target, `x.js` or `x.mjs`) is the output of one of the emitted sources. */
const emittedBy =
  (sources: Set<string>) =>
  (path: string): boolean => {
    const stem = path.replace(/\.[mc]?js$/, '');
    const outputs = path.endsWith('.mjs')
      ? ['.mts', '.mjs']
      : path.endsWith('.cjs')
        ? ['.cts', '.cjs']
        : ['.ts', '.tsx', '.js'];
    return sources.has(path) || outputs.some((ext) => sources.has(stem + ext));
  };

describe('the release build', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'build-inputs-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('emits every module its emitted modules import (tsconfig.build.json include)', () => {
    const inputs = buildInputs();
    const sources = inputs.filter((path) => !DECLARATION.test(path));
    assert.ok(
      sources.some((path) => path.endsWith('/worker/main.ts')),
      'the inputs hold the worker',
    );
    const missing = unresolvedImports(sources, emittedBy(new Set(sources))).map(
      ({ file, specifier }) =>
        `${relative(ROOT, file)} imports ${specifier}: add its source to tsconfig.build.json's include`,
    );
    assert.deepEqual(missing, []);
  });

  it('flags an import of a module the build sees only through its .d.mts, as find-on-path.mjs was', () => {
    const user = join(scratch, 'ensure.mjs');
    writeFileSync(user, "import { onPath } from './find-on-path.mjs';\nimport type { T } from './types.js';\n");
    const missing = unresolvedImports([user], emittedBy(new Set([user, join(scratch, 'find-on-path.d.mts')])));
    assert.deepEqual(
      missing.map(({ specifier }) => specifier),
      ['./find-on-path.mjs'],
    );
    assert.equal(unresolvedImports([user], emittedBy(new Set([user, join(scratch, 'find-on-path.mjs')]))).length, 0);
  });

  it('reads static, re-exported, side-effect and dynamic imports, and leaves type-only ones and comments out', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export type { C } from './c.js';",
      "export { d } from '../d.mjs';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import {\n  h,\n  type H,\n} from './h.js';",
      "// import x from './commented.js'",
      "/* import y from './block.js' */",
      "import pkg from '@temporalio/worker';",
    ].join('\n');
    assert.deepEqual(relativeImports(text), ['./a.js', '../d.mjs', './e.js', './f.js', './g.js', './h.js']);
  });
});
