import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import { primaryOf, type GcpOrganisation, type GcpState, type LogEntry } from './state.js';

const FORMAT = 'revoker-gcp-simulator-state/v1';

const condition = z.object({ title: z.string(), expression: z.string(), description: z.string().optional() });
const binding = z.object({ role: z.string(), members: z.array(z.string()), condition: condition.optional() });

/**
 * One project on disk. It holds public keys only, and minted access tokens only as hashes: the state never contains a
 * usable credential.
 */
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
      iamPolicy: z.object({ version: z.number(), etag: z.string(), bindings: z.array(binding) }).optional(),
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
  bindings: z.array(binding),
  customRoles: z.record(z.string(), z.array(z.string())),
  /** Absent in files written before tokens, audit logs and lifetime extensions existed. */
  tokens: z
    .array(
      z.object({
        hash: z.string(),
        email: z.string(),
        issuedAt: z.string(),
        expiresAt: z.string(),
        scopes: z.array(z.string()),
        via: z.enum(['generateAccessToken', 'token-endpoint']),
        keyName: z.string().optional(),
        delegates: z.array(z.string()),
      }),
    )
    .optional(),
  auditLog: z.array(z.object({ seq: z.number().int(), entry: z.record(z.string(), z.unknown()) })).optional(),
  nextSeq: z.number().int().optional(),
  lifetimeExtension: z.array(z.string()).optional(),
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
    tokens: [...state.tokens.values()],
    auditLog: state.auditLog.map((record) => ({ seq: record.seq, entry: { ...record.entry } })),
    nextSeq: state.nextSeq,
    lifetimeExtension: state.lifetimeExtension,
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
    tokens: new Map((s.tokens ?? []).map((token) => [token.hash, token])),
    // Entries were written by this simulator (auditEntryOf); the file keeps them as they were.
    auditLog: (s.auditLog ?? []).map((record) => ({ seq: record.seq, entry: record.entry as unknown as LogEntry })),
    nextSeq: s.nextSeq ?? 1 + Math.max(0, ...(s.auditLog ?? []).map((record) => record.seq)),
    lifetimeExtension: s.lifetimeExtension ?? [],
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
