import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { Alert } from '../domain/alert.js';
import { DEFAULT_POLICY, Policy } from '../domain/policy.js';
import { loadPolicyFile } from '../client/policy-file.js';
import { SOURCES, UnmappableAlert } from '../client/sources/index.js';
import { describeIssues } from '../connect/field-issues.js';
import { DEFAULT_SEED_PATH as AWS_SEED_PATH, loadAwsSeed, type AwsSeed } from '../simulators/aws/index.js';
import { DEFAULT_SEED_PATH as ENTRA_SEED_PATH, loadEntraSeed, type EntraSeed } from '../simulators/entra/index.js';
import { DEFAULT_SEED_PATH as GCP_SEED_PATH, loadGcpSeed, type GcpSeed } from '../simulators/gcp/index.js';
import {
  DEFAULT_SEED_PATH as WORKSPACE_SEED_PATH,
  loadWorkspaceSeed,
  type WorkspaceSeed,
} from '../simulators/workspace/index.js';

/** A fixture given inline, or the path (relative to the working directory) or file URL of its JSON. */
export type Source<T> = T | string | URL;

/** Each simulator's seed; a cloud left out gets the repo's sandbox fixture (simulators/<cloud>/fixtures/sandbox.json). */
export interface SeedOptions {
  aws?: Source<AwsSeed>;
  entra?: Source<EntraSeed>;
  gcp?: Source<GcpSeed>;
  workspace?: Source<WorkspaceSeed>;
}

export interface Seeds {
  aws: AwsSeed;
  entra: EntraSeed;
  gcp: GcpSeed;
  workspace: WorkspaceSeed;
}

/** A policy as written in a file, before defaults are filled in (`version: 1` is all it needs). */
export type PolicyInput = z.input<typeof Policy>;

export function loadSeeds(options: SeedOptions = {}): Seeds {
  return {
    aws: load(options.aws, loadAwsSeed, AWS_SEED_PATH),
    entra: load(options.entra, loadEntraSeed, ENTRA_SEED_PATH),
    gcp: load(options.gcp, loadGcpSeed, GCP_SEED_PATH),
    workspace: load(options.workspace, loadWorkspaceSeed, WORKSPACE_SEED_PATH),
  };
}

function load<T>(source: Source<T> | undefined, loadFile: (path: string) => T, fallback: string): T {
  if (source === undefined) return loadFile(fallback);
  return typeof source === 'string' || source instanceof URL ? loadFile(pathOf(source)) : source;
}

/** The policy as a playbook gets it: validated, with defaults filled in. None given: the default policy. */
export function loadPolicy(source: Source<PolicyInput> | undefined): Policy {
  if (source === undefined) return DEFAULT_POLICY;
  if (typeof source === 'string' || source instanceof URL) return loadPolicyFile(pathOf(source));
  const parsed = Policy.safeParse(source);
  if (parsed.success) return parsed.data;
  throw new Error(`the policy is invalid: ${issuesOf(parsed.error)}`);
}

/**
 * An alert in Revoker's generic format, or a SIEM's native payload mapped by the adapter the
 * webhook's `/alerts/<source>` route uses: a payload the route would refuse is refused here too.
 */
export function toAlert(input: unknown, source = 'generic'): Alert {
  const adapter = SOURCES.get(source);
  if (!adapter) throw new Error(`no alert source "${source}": use one of ${[...SOURCES.keys()].join(', ')}`);
  const payload = adapter.schema.safeParse(input);
  if (!payload.success) throw new Error(`not a ${adapter.label} alert: ${issuesOf(payload.error)}`);
  let mapped: unknown;
  try {
    mapped = adapter.toAlert(payload.data);
  } catch (error) {
    if (error instanceof UnmappableAlert) throw new Error(`${adapter.label}: ${error.message}`, { cause: error });
    throw error;
  }
  const alert = Alert.safeParse(mapped);
  if (!alert.success) throw new Error(`this ${adapter.label} alert maps to an invalid alert: ${issuesOf(alert.error)}`);
  return alert.data;
}

function issuesOf(error: z.ZodError): string {
  return describeIssues(error)
    .map(({ field, message }) => `${field || '(top level)'}: ${message}`)
    .join('; ');
}

function pathOf(source: string | URL): string {
  return source instanceof URL ? fileURLToPath(source) : resolve(source);
}
