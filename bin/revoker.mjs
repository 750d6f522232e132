#!/usr/bin/env node
// Launches the TypeScript CLI from any directory: registers tsx, then loads client/cli.ts relative
// to this file (not the working directory), so `npm run revoker -- …`, `./bin/revoker.mjs …` and an
// npm-linked `revoker …` all work.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../client/cli.ts', import.meta.url).href);
