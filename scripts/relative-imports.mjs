// The relative imports a module makes, for the build's check that every one resolves in dist/ (scripts/build.mjs)
// and npm test's check that the build emits every module the emitted ones import (test/build-inputs.test.ts):
// a module tsc sees only through a declaration file (a `.d.mts` beside an `.mjs`) is typechecked but not emitted.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// `import … from './x.js'`, `export … from './x.js'`, `import './x.js'` and `import('./x.js')`; type-only imports
// and exports are erased by the compiler, so they are left out.
const IMPORT = /(?:^|[\s;])(?:import|export)(?!\s+type[\s{])(?:[^'"`;]*?\bfrom)?\s*\(?\s*(['"])(\.{1,2}\/[^'"]+)\1/g;

/** The relative specifiers (`./x.js`, `../y.mjs`) in a module's text that are still there at run time. */
export function relativeImports(text) {
  return [...text.replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '').matchAll(IMPORT)].map((match) => match[2]);
}

/**
 * Every relative import in `files` that `resolves(path)` says is missing, with the absolute path it names.
 * @param {string[]} files absolute paths
 * @param {(path: string) => boolean} resolves
 */
export function unresolvedImports(files, resolves) {
  return files.flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8'))
      .map((specifier) => ({ file, specifier, path: resolve(dirname(file), specifier) }))
      .filter(({ path }) => !resolves(path)),
  );
}
