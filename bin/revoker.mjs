#!/usr/bin/env node
// Launches the CLI from any directory. In a checkout it registers tsx, then loads client/cli.ts relative to this
// file (not the working directory), so `revoker …` (after `npm link`), `./bin/revoker.mjs …` and
// `npm run revoker -- …` all work; Node resolves the `npm link` symlink to this real file, so import.meta.url points
// into the checkout. Installed from a release tarball (package.json `files`: dist/ and bin/, no sources), it runs the
// built CLI, dist/client/cli.js, with plain node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../client/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  // tsx reads the working directory's tsconfig.json by default: run from inside another TypeScript
  // project, its `paths` or decorator settings would apply to Revoker's files. Ours, always.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  await import(source.href);
} else {
  await import(new URL('../dist/client/cli.js', import.meta.url).href);
}
