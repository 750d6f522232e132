import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import type { GcpState } from './state.js';

const FORMAT = 'revoker-gcp-simulator-state/v1';

/** On-disk form of the sandbox. It holds public keys only: the state never contains a private key. */
const persistedState = z.object({
  format: z.literal(FORMAT),
  state: z.object({
    projectId: z.string(),
    projectNumber: z.string(),
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
  }),
});

function serialize(state: GcpState): z.input<typeof persistedState> {
  return {
    format: FORMAT,
    state: {
      projectId: state.projectId,
      projectNumber: state.projectNumber,
      serviceAccounts: [...state.serviceAccounts.values()],
      keys: [...state.keys.values()],
      bindings: state.bindings,
      customRoles: Object.fromEntries(state.customRoles),
    },
  };
}

/** Returns undefined when the file does not exist yet (first start seeds instead). */
export function loadStateFile(path: string): GcpState | undefined {
  const s = readStateFile(path, { format: FORMAT, simulator: 'Google Cloud', schema: persistedState })?.state;
  if (s === undefined) return undefined;
  return {
    projectId: s.projectId,
    projectNumber: s.projectNumber,
    serviceAccounts: new Map(s.serviceAccounts.map((account) => [account.email, account])),
    keys: new Map(s.keys.map((key) => [key.keyId, key])),
    bindings: s.bindings,
    customRoles: new Map(Object.entries(s.customRoles)),
  };
}

export function saveStateFile(path: string, state: GcpState): void {
  writeStateFile(path, serialize(state));
}
