import { createPublicKey } from 'node:crypto';
import { invalidArgument } from './errors.js';
import { accountName, keyName, type GcpState, type KeyRecord, type ServiceAccountRecord } from './state.js';

/**
 * JSON as the IAM v1 REST API renders it: proto3 JSON, so false booleans and empty strings are omitted
 * (no `disabled` field means enabled) and field order follows the proto.
 */

// Google returns this etag for service accounts; it changes on updates, which this simulator does not model.
const ACCOUNT_ETAG = 'MDEwMjE5MjA=';

export function serviceAccountJson(state: GcpState, account: ServiceAccountRecord) {
  return {
    name: accountName(state, account.email),
    projectId: state.projectId,
    uniqueId: account.uniqueId,
    email: account.email,
    ...(account.displayName ? { displayName: account.displayName } : {}),
    etag: ACCOUNT_ETAG,
    ...(account.description ? { description: account.description } : {}),
    oauth2ClientId: account.uniqueId,
    ...(account.disabled ? { disabled: true } : {}),
  };
}

export type PublicKeyType = 'TYPE_NONE' | 'TYPE_X509_PEM_FILE' | 'TYPE_RAW_PUBLIC_KEY';

function publicKeyData(key: KeyRecord, type: PublicKeyType): string | undefined {
  switch (type) {
    case 'TYPE_NONE':
      return undefined;
    case 'TYPE_X509_PEM_FILE':
      return key.publicKeyCertificate && Buffer.from(key.publicKeyCertificate).toString('base64');
    case 'TYPE_RAW_PUBLIC_KEY':
      return createPublicKey(key.publicKey).export({ type: 'spki', format: 'der' }).toString('base64');
  }
}

export function keyJson(state: GcpState, key: KeyRecord, publicKeyType: PublicKeyType = 'TYPE_NONE') {
  const data = publicKeyData(key, publicKeyType);
  return {
    name: keyName(state, key),
    ...(data === undefined ? {} : { publicKeyData: data }),
    validAfterTime: key.validAfterTime,
    validBeforeTime: key.validBeforeTime,
    keyAlgorithm: key.keyAlgorithm,
    keyOrigin: key.keyOrigin,
    keyType: key.keyType,
    ...(key.disabled ? { disabled: true } : {}),
    ...(key.disabled && key.disableReason ? { disableReason: key.disableReason } : {}),
  };
}

/** Google's wording when an enum query parameter has an unknown value. */
export function parseEnum<T extends string>(value: string, allowed: readonly T[], field: string, type: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(`Invalid value at '${field}' (type.googleapis.com/${type}), "${value}"`);
}
