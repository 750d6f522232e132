import { fileURLToPath } from 'node:url';

/**
 * The file of a sibling module, named as in the source (`../workflows/index.ts`), relative to the module asking
 * (`import.meta.url`): the `.ts` file when Revoker runs from source through tsx, the `.js` file `npm run build` emitted
 * when it runs from `dist/` with plain node. For the paths handed to Temporal's bundler and worker (the workflows, the
 * failure converter), which load a file rather than import a module.
 */
export function moduleFile(relative: string, from: string): string {
  const built = from.endsWith('.js');
  return fileURLToPath(new URL(built ? relative.replace(/\.ts$/, '.js') : relative, from));
}
