import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import { primaryOf, type GcpOrganisation, type GcpState } from './state.js';

const FORMAT = 'revoker-gcp-simulator-state/v1';

/** One project on disk. It holds public keys only: the state never contains a private key. */
const projectState = z.object({
  projectId: z.string(),
  projectNumber: z.string(),
  parent: z.string().optional(),
  serviceAccounts: z.array(
    z.object({
      email: z.string(),
      uniqueId: z.string(),
      displayName: z.string().optional(),
      description: z.string().optional(),
      disabled: z.boolean(),
    }),
  ),
  keys: z.array(
    z.object({
      keyId: z.string(),
      email: z.string(),
      keyType: z.enum(['USER_MANAGED', 'SYSTEM_MANAGED']),
      keyOrigin: z.enum(['GOOGLE_PROVIDED', 'USER_PROVIDED']),
      keyAlgorithm: z.enum(['KEY_ALG_RSA_2048', 'KEY_ALG_RSA_1024']),
      validAfterTime: z.string(),
      validBeforeTime: z.string(),
      disabled: z.boolean(),
      disableReason: z.string().optional(),
      deleteTime: z.string().optional(),
      publicKey: z.string(),
      publicKeyCertificate: z.string().optional(),
    }),
  ),
  bindings: z.array(z.object({ role: z.string(), members: z.array(z.string()) })),
  customRoles: z.record(z.string(), z.array(z.string())),
});

/**
 * The whole sandbox on disk. The hierarchy is not in it: nothing the API serves changes it, so it always comes
 * from the `hierarchy` option.
 */
const persistedState = z.object({
  format: z.literal(FORMAT),
  /** The primary project. */
  state: projectState,
  /** The other projects (`projects` option), in order; absent when there are none (and in older files). */
  projects: z.array(projectState).optional(),
});

function serializeProject(state: GcpState): z.input<typeof projectState> {
  return {
    projectId: state.projectId,
    projectNumber: state.projectNumber,
    ...(state.parent === undefined ? {} : { parent: state.parent }),
    serviceAccounts: [...state.serviceAccounts.values()],
    keys: [...state.keys.values()],
    bindings: state.bindings,
    customRoles: Object.fromEntries(state.customRoles),
  };
}

function deserializeProject(s: z.output<typeof projectState>): GcpState {
  return {
    projectId: s.projectId,
    projectNumber: s.projectNumber,
    ...(s.parent === undefined ? {} : { parent: s.parent }),
    serviceAccounts: new Map(s.serviceAccounts.map((account) => [account.email, account])),
    keys: new Map(s.keys.map((key) => [key.keyId, key])),
    bindings: s.bindings,
    customRoles: new Map(Object.entries(s.customRoles)),
  };
}

/** Returns undefined when the file does not exist yet (first start seeds instead); the primary project first. */
export function loadStateFile(path: string): GcpState[] | undefined {
  const parsed = readStateFile(path, { format: FORMAT, simulator: 'Google Cloud', schema: persistedState });
  if (parsed === undefined) return undefined;
  return [parsed.state, ...(parsed.projects ?? [])].map(deserializeProject);
}

export function saveStateFile(path: string, org: GcpOrganisation): void {
  const others = [...org.projects.values()].filter((p) => p.projectId !== org.primaryId);
  writeStateFile(path, {
    format: FORMAT,
    state: serializeProject(primaryOf(org)),
    ...(others.length === 0 ? {} : { projects: others.map(serializeProject) }),
  } satisfies z.input<typeof persistedState>);
}
