import { generic } from './generic.js';
import type { SourceAdapter } from './source-adapter.js';

export { UnmappableAlert, type SourceAdapter } from './source-adapter.js';

/** Every native source, by route name. */
export const SOURCES: ReadonlyMap<string, SourceAdapter> = new Map([generic].map((source) => [source.name, source]));
