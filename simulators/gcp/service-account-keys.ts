import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { failedPrecondition, invalidArgument } from './errors.js';
import { keyFileFor } from './key-file.js';
import { allowFields, resolveAccount, resolveKey, type OperationHandler } from './operation-context.js';
import { keyJson, parseEnum, type PublicKeyType } from './shapes.js';
import { keyName, keysOf, type KeyRecord, type KeyType } from './state.js';
import { isoSeconds } from './time.js';

const KEY_TYPES: readonly KeyType[] = ['USER_MANAGED', 'SYSTEM_MANAGED'];
const PUBLIC_KEY_TYPES: readonly PublicKeyType[] = ['TYPE_NONE', 'TYPE_X509_PEM_FILE', 'TYPE_RAW_PUBLIC_KEY'];
const DISABLE_REASONS = [
  'SERVICE_ACCOUNT_KEY_DISABLE_REASON_USER_INITIATED',
  'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED',
  'SERVICE_ACCOUNT_KEY_DISABLE_REASON_COMPROMISE_DETECTED',
] as const;

/** `keyTypes` repeats (`?keyTypes=USER_MANAGED&keyTypes=SYSTEM_MANAGED`); none or KEY_TYPE_UNSPECIFIED lists all. */
export const listKeys: OperationHandler = (ctx) => {
  const { project, account } = resolveAccount(ctx, 'iam.serviceAccountKeys.list');
  const wanted = ctx.query
    .getAll('keyTypes')
    .filter((value) => value !== 'KEY_TYPE_UNSPECIFIED')
    .map((value, i) =>
      parseEnum(value, KEY_TYPES, `key_types[${i}]`, 'google.iam.admin.v1.ListServiceAccountKeysRequest.KeyType'),
    );
  const keys = keysOf(project, account.email).filter((key) => wanted.length === 0 || wanted.includes(key.keyType));
  // proto3 JSON leaves out empty repeated fields: an account without keys answers {}.
  return keys.length === 0 ? {} : { keys: keys.map((key) => keyJson(project, key)) };
};

/** Google's limit, also enforced on seeds. */
const MAX_USER_MANAGED_KEYS = 10;
const NEVER = '9999-12-31T23:59:59Z';

/**
 * keys.create: Google generates the pair and hands out the private half once, as a key file (privateKeyData, base64
 * of the JSON the console downloads). The state keeps the public half only, so the new key authenticates at once:
 * an attacker's backdoor works as it does at Google. TYPE_PKCS12_FILE is not produced here.
 */
export const createKey: OperationHandler = (ctx) => {
  const { project, account } = resolveAccount(ctx, 'iam.serviceAccountKeys.create');
  allowFields(ctx.body, ['privateKeyType', 'keyAlgorithm']);
  const privateKeyType = ctx.body['privateKeyType'] ?? 'TYPE_GOOGLE_CREDENTIALS_FILE';
  if (privateKeyType !== 'TYPE_GOOGLE_CREDENTIALS_FILE' && privateKeyType !== 'TYPE_UNSPECIFIED') {
    throw invalidArgument(
      privateKeyType === 'TYPE_PKCS12_FILE'
        ? 'This simulator creates TYPE_GOOGLE_CREDENTIALS_FILE keys only (no PKCS#12).'
        : `Invalid value at 'private_key_type' (type.googleapis.com/google.iam.admin.v1.ServiceAccountPrivateKeyType), ${JSON.stringify(privateKeyType)}`,
    );
  }
  const keyAlgorithm = ctx.body['keyAlgorithm'] ?? 'KEY_ALG_RSA_2048';
  if (
    keyAlgorithm !== 'KEY_ALG_RSA_2048' &&
    keyAlgorithm !== 'KEY_ALG_RSA_1024' &&
    keyAlgorithm !== 'KEY_ALG_UNSPECIFIED'
  ) {
    throw invalidArgument(
      `Invalid value at 'key_algorithm' (type.googleapis.com/google.iam.admin.v1.ServiceAccountKeyAlgorithm), ${JSON.stringify(keyAlgorithm)}`,
    );
  }
  const userManaged = keysOf(project, account.email).filter((k) => k.keyType === 'USER_MANAGED');
  if (userManaged.length >= MAX_USER_MANAGED_KEYS) {
    throw failedPrecondition(
      `Precondition check failed. Service account ${account.email} already has ${MAX_USER_MANAGED_KEYS} user-managed keys, the most Google allows.`,
    );
  }
  const algorithm = keyAlgorithm === 'KEY_ALG_RSA_1024' ? 'KEY_ALG_RSA_1024' : 'KEY_ALG_RSA_2048';
  const pair = generateKeyPairSync('rsa', { modulusLength: algorithm === 'KEY_ALG_RSA_1024' ? 1024 : 2048 });
  const keyId = randomBytes(20).toString('hex');
  const key: KeyRecord = {
    keyId,
    email: account.email,
    keyType: 'USER_MANAGED',
    keyOrigin: 'GOOGLE_PROVIDED',
    keyAlgorithm: algorithm,
    validAfterTime: isoSeconds(ctx.now),
    validBeforeTime: NEVER,
    disabled: false,
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  project.keys.set(keyId, key);
  ctx.mutated(project.projectId, keyName(project, key));
  const keyFile = keyFileFor(
    project.projectId,
    account,
    keyId,
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const created = keyJson(project, key);
  // The audit log has the new key's name, never its private half.
  ctx.audit.request = {
    '@type': 'type.googleapis.com/google.iam.admin.v1.CreateServiceAccountKeyRequest',
    name: ctx.route.resourceName,
    private_key_type: 2,
  };
  ctx.audit.response = {
    '@type': 'type.googleapis.com/google.iam.admin.v1.ServiceAccountKey',
    name: created.name,
    valid_after_time: { seconds: Math.floor(Date.parse(key.validAfterTime) / 1000) },
    valid_before_time: { seconds: Math.floor(Date.parse(key.validBeforeTime) / 1000) },
    key_algorithm: algorithm === 'KEY_ALG_RSA_1024' ? 1 : 2,
    key_origin: 2,
    key_type: 1,
    private_key_type: 2,
  };
  return {
    name: created.name,
    privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
    privateKeyData: Buffer.from(JSON.stringify(keyFile, null, 2)).toString('base64'),
    validAfterTime: key.validAfterTime,
    validBeforeTime: key.validBeforeTime,
    keyAlgorithm: key.keyAlgorithm,
    keyOrigin: key.keyOrigin,
    keyType: key.keyType,
  };
};

export const getKey: OperationHandler = (ctx) => {
  const { project, key } = resolveKey(ctx, 'iam.serviceAccountKeys.get');
  const type = parseEnum(
    ctx.query.get('publicKeyType') ?? 'TYPE_NONE',
    PUBLIC_KEY_TYPES,
    'public_key_type',
    'google.iam.admin.v1.ServiceAccountPublicKeyType',
  );
  return keyJson(project, key, type);
};

/** Google rotates SYSTEM_MANAGED keys itself; users can neither disable nor delete them. */
function userManaged<T extends { key: KeyRecord }>(resolved: T, verb: string): T {
  const { key } = resolved;
  if (key.keyType === 'SYSTEM_MANAGED') {
    throw failedPrecondition(
      `Precondition check failed. Service account key ${key.keyId} is SYSTEM_MANAGED: Google manages and rotates it, so it cannot be ${verb}.`,
    );
  }
  return resolved;
}

export const disableKey: OperationHandler = (ctx) => {
  const { project, key } = userManaged(resolveKey(ctx, 'iam.serviceAccountKeys.disable'), 'disabled');
  allowFields(ctx.body, ['serviceAccountKeyDisableReason', 'extendedStatusMessage']);
  const reason = ctx.body['serviceAccountKeyDisableReason'] ?? DISABLE_REASONS[0];
  if (typeof reason !== 'string' || !(DISABLE_REASONS as readonly string[]).includes(reason)) {
    throw invalidArgument(
      `Invalid value at 'service_account_key_disable_reason' (type.googleapis.com/google.iam.admin.v1.ServiceAccountKeyDisableReason), ${JSON.stringify(reason)}`,
    );
  }
  key.disabled = true;
  key.disableReason = reason;
  ctx.mutated(project.projectId, keyName(project, key));
  return {};
};

export const enableKey: OperationHandler = (ctx) => {
  const { project, key } = userManaged(resolveKey(ctx, 'iam.serviceAccountKeys.enable'), 'enabled');
  allowFields(ctx.body, []);
  key.disabled = false;
  delete key.disableReason;
  ctx.mutated(project.projectId, keyName(project, key));
  return {};
};

export const deleteKey: OperationHandler = (ctx) => {
  const { project, key } = userManaged(resolveKey(ctx, 'iam.serviceAccountKeys.delete'), 'deleted');
  key.deleteTime = isoSeconds(ctx.now);
  ctx.mutated(project.projectId, keyName(project, key));
  return {};
};
