import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { parseGcpHierarchy, type GcpHierarchy } from './hierarchy.js';
import { GcpSeedError, ORGANIZATION_ROLE_NAME, parseGcpSeed, type GcpSeed } from './seed.js';
import { isoSeconds } from './time.js';

export type KeyType = 'USER_MANAGED' | 'SYSTEM_MANAGED';

export interface ServiceAccountRecord {
  email: string;
  uniqueId: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
  /** The account's own allow policy (who may act on it as a resource); undefined = none yet (etag `ACAB`). */
  iamPolicy?: AccountPolicy;
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

/** An IAM condition (CEL), as a binding carries it. */
export interface Condition {
  title: string;
  expression: string;
  description?: string;
}

export interface Binding {
  role: string;
  members: string[];
  condition?: Condition;
}

/** A resource's allow policy as setIamPolicy stores it: its version, the etag of this revision, and its bindings. */
export interface AccountPolicy {
  version: number;
  etag: string;
  bindings: Binding[];
}

/**
 * An OAuth access token the simulator minted (generateAccessToken, or the token endpoint's JWT-bearer grant). Only
 * its SHA-256 is kept: the state never holds a usable credential.
 */
export interface AccessTokenRecord {
  /** base64url SHA-256 of the token. */
  hash: string;
  /** The account the token acts as. */
  email: string;
  issuedAt: string;
  expiresAt: string;
  scopes: string[];
  /** How it was minted: generateAccessToken (impersonation) or the token endpoint (from a key). */
  via: 'generateAccessToken' | 'token-endpoint';
  /** The key it was exchanged from (token endpoint): `projects/p/serviceAccounts/e/keys/k`. */
  keyName?: string;
  /** generateAccessToken: who impersonated, the original caller first (serviceAccountDelegationInfo). */
  delegates: string[];
}

/** One Cloud Audit Logs entry, as entries.list returns it (`seq` orders what was written; never on the wire). */
export interface AuditRecord {
  seq: number;
  entry: LogEntry;
}

/** A LogEntry of an audit log: the fields Cloud Logging sets on one (`protoPayload` is a google.cloud.audit.AuditLog). */
export interface LogEntry {
  protoPayload: Record<string, unknown>;
  insertId: string;
  resource: { type: string; labels: Record<string, string> };
  timestamp: string;
  severity: 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';
  logName: string;
  receiveTimestamp: string;
}

/** One project: its service accounts, their keys and the project's own allow policy. */
export interface GcpState {
  projectId: string;
  projectNumber: string;
  /** `folders/N` or `organizations/N`; undefined = directly under the organization (if there is one). */
  parent?: string;
  serviceAccounts: Map<string, ServiceAccountRecord>;
  keys: Map<string, KeyRecord>;
  bindings: Binding[];
  customRoles: Map<string, string[]>;
  /** Access tokens minted for this project's accounts, by hash. */
  tokens: Map<string, AccessTokenRecord>;
  /** The project's Cloud Audit Logs (admin activity and data access), oldest first. */
  auditLog: AuditRecord[];
  /** The next entry's `seq`. */
  nextSeq: number;
  /**
   * Accounts whose generateAccessToken may ask for up to 12 h (the organization policy
   * constraints/iam.allowServiceAccountCredentialLifetimeExtension lists them); others get at most 1 h.
   */
  lifetimeExtension: string[];
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
      ...(account.iamPolicy === undefined
        ? {}
        : { iamPolicy: policyFromSeed(account.email, account.iamPolicy.bindings.map(bindingOf)) }),
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
    ...(seed.parent === undefined ? {} : { parent: seed.parent }),
    serviceAccounts,
    keys,
    bindings: (seed.iamPolicy?.bindings ?? []).map(bindingOf),
    customRoles: new Map(
      Object.entries(seed.customRoles ?? {}).map(([name, role]) => [name, role.includedPermissions]),
    ),
    tokens: new Map(),
    auditLog: [],
    nextSeq: 1,
    lifetimeExtension: [...(seed.allowCredentialLifetimeExtension ?? [])],
  };
}

/** A copy of a binding, its condition included when it has one. */
export function bindingOf(b: { role: string; members: readonly string[]; condition?: Condition | undefined }): Binding {
  return {
    role: b.role,
    members: [...b.members],
    ...(b.condition === undefined
      ? {}
      : {
          condition: {
            title: b.condition.title,
            expression: b.condition.expression,
            ...(b.condition.description === undefined ? {} : { description: b.condition.description }),
          },
        }),
  };
}

/** The etag of the policy revision after `previous`: opaque to callers, new with every change of an account's policy. */
export function nextPolicyEtag(email: string, previous: string): string {
  const digest = createHash('sha256').update(`${email}#${previous}`).digest();
  return Buffer.concat([Buffer.from([0x07, 0x06]), digest.subarray(0, 6)]).toString('base64');
}

/** The empty policy every resource starts with: version 1, etag `ACAB`, no bindings. */
export const EMPTY_POLICY_ETAG = 'ACAB';

function policyFromSeed(email: string, bindings: Binding[]): AccountPolicy {
  return {
    version: bindings.some((b) => b.condition) ? 3 : 1,
    etag: nextPolicyEtag(email, EMPTY_POLICY_ETAG),
    bindings,
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

/** A node of the resource hierarchy above the projects, with its allow policy. */
export interface PolicyNode {
  /** `organizations/N` or `folders/N`. */
  readonly name: string;
  readonly displayName: string;
  readonly bindings: Binding[];
}

export interface FolderNode extends PolicyNode {
  /** The organization or another folder. */
  readonly parent: string;
}

export interface ResourceHierarchy {
  readonly organization: PolicyNode & { readonly customRoles: Map<string, string[]> };
  readonly folders: Map<string, FolderNode>;
}

const bindingsOf = (policy: { bindings: Binding[] } | undefined): Binding[] => (policy?.bindings ?? []).map(bindingOf);

export function hierarchyFromSeed(input: GcpHierarchy): ResourceHierarchy {
  const seed = parseGcpHierarchy(input);
  return {
    organization: {
      name: seed.organization.name,
      displayName: seed.organization.displayName,
      bindings: bindingsOf(seed.organization.iamPolicy),
      customRoles: new Map(
        Object.entries(seed.organization.customRoles ?? {}).map(([name, role]) => [name, role.includedPermissions]),
      ),
    },
    folders: new Map(
      (seed.folders ?? []).map((folder) => [
        folder.name,
        {
          name: folder.name,
          displayName: folder.displayName,
          parent: folder.parent,
          bindings: bindingsOf(folder.iamPolicy),
        },
      ]),
    ),
  };
}

/**
 * Every project one simulator serves, on one endpoint as iam.googleapis.com serves them all: the primary project
 * (the sandbox default, whose id `projectId` reports) and the others, each with its own accounts, keys and policy,
 * and optionally the organization and folders above them, whose policies the projects inherit. Project ids and
 * numbers, account emails and unique ids, and key ids are each unique across all of them, as at Google.
 */
export interface GcpOrganisation {
  readonly primaryId: string;
  /** By project id, the primary first. */
  readonly projects: Map<string, GcpState>;
  /** undefined: bare projects, no organization above them (the single-project sandbox). */
  readonly hierarchy?: ResourceHierarchy;
}

const refuse = (message: string) => new GcpSeedError(`Google Cloud simulator: ${message}`);

export function organisationOf(states: readonly GcpState[], hierarchy?: ResourceHierarchy): GcpOrganisation {
  const [primary] = states;
  if (!primary) throw new Error('Google Cloud simulator: no project to serve');
  const projects = new Map<string, GcpState>();
  const numbers = new Map<string, string>();
  const owners = new Map<string, string>();
  const claim = (what: string, id: string, projectId: string) => {
    const other = owners.get(`${what} ${id}`);
    if (other !== undefined) throw refuse(`${what} ${id} is in projects ${other} and ${projectId}`);
    owners.set(`${what} ${id}`, projectId);
  };
  for (const state of states) {
    if (projects.has(state.projectId)) throw refuse(`project ${state.projectId} is seeded twice`);
    const sameNumber = numbers.get(state.projectNumber);
    if (sameNumber !== undefined) {
      throw refuse(`projects ${sameNumber} and ${state.projectId} have the same number ${state.projectNumber}`);
    }
    projects.set(state.projectId, state);
    numbers.set(state.projectNumber, state.projectId);
    for (const account of state.serviceAccounts.values()) {
      claim('service account', account.email, state.projectId);
      claim('service account unique id', account.uniqueId, state.projectId);
    }
    for (const keyId of state.keys.keys()) claim('key', keyId, state.projectId);

    if (state.parent !== undefined) {
      if (!hierarchy)
        throw refuse(`project ${state.projectId} names parent ${state.parent}, but no hierarchy is given`);
      if (state.parent !== hierarchy.organization.name && !hierarchy.folders.has(state.parent)) {
        throw refuse(
          `project ${state.projectId} names parent ${state.parent}, which is neither ${hierarchy.organization.name} nor one of its folders`,
        );
      }
    }
    for (const { role } of state.bindings) {
      if (!ORGANIZATION_ROLE_NAME.test(role) || state.customRoles.has(role)) continue;
      if (!hierarchy?.organization.customRoles.has(role)) {
        throw refuse(
          `project ${state.projectId} binds ${role}, which ${hierarchy ? `${hierarchy.organization.name} does not define` : 'needs the hierarchy that defines it'}`,
        );
      }
    }
  }
  return { primaryId: primary.projectId, projects, ...(hierarchy ? { hierarchy } : {}) };
}

export function primaryOf(org: GcpOrganisation): GcpState {
  const primary = org.projects.get(org.primaryId);
  if (!primary) throw new Error('Google Cloud simulator: primary project missing');
  return primary;
}

/** The project a resource name's `{PROJECT}` segment names: its id or its number. */
export function projectOf(org: GcpOrganisation, idOrNumber: string): GcpState | undefined {
  return org.projects.get(idOrNumber) ?? [...org.projects.values()].find((state) => state.projectNumber === idOrNumber);
}

/** An account by email or unique id in whichever project holds it (what `projects/-/` resolves). */
export function findAccountAnywhere(
  org: GcpOrganisation,
  idOrEmail: string,
): { project: GcpState; account: ServiceAccountRecord } | undefined {
  for (const project of org.projects.values()) {
    const account = findServiceAccount(project, idOrEmail);
    if (account) return { project, account };
  }
  return undefined;
}

/** The project holding key `keyId` (deleted keys included). */
export function projectOfKey(org: GcpOrganisation, keyId: string): GcpState | undefined {
  return [...org.projects.values()].find((state) => state.keys.has(keyId));
}
