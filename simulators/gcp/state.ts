import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { parseGcpSeed, type GcpSeed } from './seed.js';
import { isoSeconds } from './time.js';

export type KeyType = 'USER_MANAGED' | 'SYSTEM_MANAGED';

export interface ServiceAccountRecord {
  email: string;
  uniqueId: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
}

export interface KeyRecord {
  keyId: string;
  /** The owning service account. */
  email: string;
  keyType: KeyType;
  keyOrigin: 'GOOGLE_PROVIDED' | 'USER_PROVIDED';
  keyAlgorithm: 'KEY_ALG_RSA_2048' | 'KEY_ALG_RSA_1024';
  validAfterTime: string;
  validBeforeTime: string;
  disabled: boolean;
  disableReason?: string;
  /** Deleted keys stay as tombstones so a refused JWT can say why; the API never shows them. */
  deleteTime?: string;
  /** SPKI PEM: all the simulator needs to verify self-signed JWTs. Private halves never enter the state. */
  publicKey: string;
  publicKeyCertificate?: string;
}

export interface Binding {
  role: string;
  members: string[];
}

export interface GcpState {
  projectId: string;
  projectNumber: string;
  serviceAccounts: Map<string, ServiceAccountRecord>;
  keys: Map<string, KeyRecord>;
  bindings: Binding[];
  customRoles: Map<string, string[]>;
}

const normalizeTime = (value: string) => isoSeconds(new Date(value));

export function stateFromSeed(input: GcpSeed): GcpState {
  const seed = parseGcpSeed(input);
  const serviceAccounts = new Map<string, ServiceAccountRecord>();
  const keys = new Map<string, KeyRecord>();
  for (const account of seed.serviceAccounts) {
    serviceAccounts.set(account.email, {
      email: account.email,
      uniqueId: account.uniqueId,
      ...(account.displayName === undefined ? {} : { displayName: account.displayName }),
      ...(account.description === undefined ? {} : { description: account.description }),
      disabled: account.disabled ?? false,
    });
    for (const key of account.keys) {
      const publicKey = key.publicKeyCertificate
        ? new X509Certificate(key.publicKeyCertificate).publicKey
        : createPublicKey(createPrivateKey(key.privateKey ?? ''));
      keys.set(key.keyId, {
        keyId: key.keyId,
        email: account.email,
        keyType: key.keyType,
        keyOrigin: key.keyOrigin ?? 'GOOGLE_PROVIDED',
        keyAlgorithm: key.keyAlgorithm ?? 'KEY_ALG_RSA_2048',
        validAfterTime: normalizeTime(key.validAfterTime),
        validBeforeTime: normalizeTime(key.validBeforeTime),
        disabled: key.disabled ?? false,
        ...(key.disabled ? { disableReason: 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_USER_INITIATED' } : {}),
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        ...(key.publicKeyCertificate === undefined ? {} : { publicKeyCertificate: key.publicKeyCertificate }),
      });
    }
  }
  return {
    projectId: seed.projectId,
    projectNumber: seed.projectNumber,
    serviceAccounts,
    keys,
    bindings: (seed.iamPolicy?.bindings ?? []).map((b) => ({ role: b.role, members: [...b.members] })),
    customRoles: new Map(
      Object.entries(seed.customRoles ?? {}).map(([name, role]) => [name, role.includedPermissions]),
    ),
  };
}

/** Finds an account by the `{EMAIL or UNIQUE_ID}` segment of a resource name. */
export function findServiceAccount(state: GcpState, idOrEmail: string): ServiceAccountRecord | undefined {
  const byEmail = state.serviceAccounts.get(idOrEmail.toLowerCase());
  if (byEmail) return byEmail;
  return [...state.serviceAccounts.values()].find((account) => account.uniqueId === idOrEmail);
}

/** Live (not deleted) keys of an account, in seed order. */
export function keysOf(state: GcpState, email: string): KeyRecord[] {
  return [...state.keys.values()].filter((key) => key.email === email && key.deleteTime === undefined);
}

export const accountName = (state: GcpState, email: string) => `projects/${state.projectId}/serviceAccounts/${email}`;
export const keyName = (state: GcpState, key: KeyRecord) => `${accountName(state, key.email)}/keys/${key.keyId}`;
