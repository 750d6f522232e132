#!/usr/bin/env node
// Launches the TypeScript CLI from any directory: registers tsx, then loads client/cli.ts relative
// to this file (not the working directory), so `revoker …` (after `npm link`), `./bin/revoker.mjs …`
// and `npm run revoker -- …` all work. Node resolves the `npm link` symlink to this real file, so
// import.meta.url points into the checkout.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// tsx reads the working directory's tsconfig.json by default: run from inside another TypeScript
// project, its `paths` or decorator settings would apply to Revoker's files. Ours, always.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../client/cli.ts', import.meta.url).href);
