import { cloudtrail } from './cloudtrail.js';
import { defender } from './defender.js';
import { elastic } from './elastic.js';
import { entraIdProtection } from './entra-id-protection.js';
import { generic } from './generic.js';
import { googleWorkspace } from './google-workspace.js';
import { guardduty } from './guardduty.js';
import { scc } from './scc.js';
import { sentinel } from './sentinel.js';
import { splunk } from './splunk.js';
import type { SourceAdapter } from './source-adapter.js';

export { IgnoredAlert, UnmappableAlert, type Ignored, type SourceAdapter } from './source-adapter.js';

/** Every native source, by route name. */
export const SOURCES: ReadonlyMap<string, SourceAdapter> = new Map(
  [generic, guardduty, cloudtrail, scc, splunk, elastic, sentinel, defender, entraIdProtection, googleWorkspace].map(
    (source) => [source.name, source],
  ),
);
