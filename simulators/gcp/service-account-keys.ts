import { failedPrecondition, invalidArgument } from './errors.js';
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
