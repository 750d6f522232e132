import { moduleFile } from './module-file.js';
import type { DataConverter, LoadedDataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { failureConverter } from './failure-converter.js';
import { readSecrets } from './secrets.js';

/** The `encoding` of a payload this codec encrypted; any other payload passes through as it is. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Which key encrypted the payload, stored with it, so keys rotate and old histories still decode. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit random nonces, as NIST SP 800-38D recommends for GCM; 16-byte tags. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The configured keys: the first encrypts, every one decrypts. */
export interface PayloadKeys {
  current: PayloadKey;
  all: ReadonlyMap<string, Buffer>;
}

/** Why a payload cannot be decrypted, or the key configuration is unusable; it never quotes a key. */
export class PayloadKeyError extends Error {
  override readonly name = 'PayloadKeyError';
}

/**
 * The payload keys from `REVOKER_PAYLOAD_KEYS` (comma-separated) and `REVOKER_PAYLOAD_KEYS_FILE`
 * (one per line), each `keyId:base64key` with a 32-byte key (`openssl rand -base64 32`). The first
 * encrypts new payloads, all decrypt: to rotate, put the new key first and keep the old ones while
 * histories they encrypted are within retention. None configured: undefined (history in clear).
 */
export function loadPayloadKeys(env: Record<string, string | undefined> = process.env): PayloadKeys | undefined {
  const entries = readSecrets(env, 'REVOKER_PAYLOAD_KEYS');
  if (!entries.length) return undefined;
  const all = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    // Its position only: the value is a secret.
    const where = `REVOKER_PAYLOAD_KEYS: key #${index + 1}`;
    if (!KEY_ID.test(id)) {
      throw new PayloadKeyError(`${where} is not keyId:base64key (a key id of letters, digits, '.', '_' or '-')`);
    }
    const text = entry.slice(colon + 1);
    const key = Buffer.from(text, 'base64');
    if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
      throw new PayloadKeyError(
        `${where} (${id}) is not ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`,
      );
    }
    if (all.has(id)) throw new PayloadKeyError(`${where}: key id ${id} is listed twice`);
    all.set(id, key);
  });
  const [id, key] = [...all][0] as [string, Buffer];
  return { current: { id, key }, all };
}

/** A new `keyId:base64key` entry for REVOKER_PAYLOAD_KEYS (what `npm start` keeps under .revoker/). */
export function generatePayloadKeyEntry(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** One new key, for a process that keeps its history for itself (the test stack). */
export function newPayloadKeys(id: string): PayloadKeys {
  const key = randomBytes(KEY_BYTES);
  return { current: { id, key }, all: new Map([[id, key]]) };
}

/**
 * AES-256-GCM over each whole payload (metadata and data, as protobuf), with the key id as
 * associated data so a payload relabelled with another key id is refused. Payloads that are not
 * `binary/encrypted` decode as they are: histories recorded before the codec still read.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(readonly keys: PayloadKeys) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => (isEncrypted(payload) ? payload : this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(id));
    const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) }, data };
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new PayloadKeyError(`an encrypted payload has no ${KEY_ID_METADATA}`);
    const key = this.keys.all.get(id);
    if (!key) {
      throw new PayloadKeyError(
        `a payload is encrypted with key id "${id}", which REVOKER_PAYLOAD_KEYS does not hold ` +
          `(it holds ${[...this.keys.all.keys()].join(', ')}): add that key to decode it`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError(`an encrypted payload (key ${id}) is truncated`);
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new PayloadKeyError(
        `an encrypted payload (key ${id}) fails authentication: it was altered, or key ${id} is not the key that encrypted it`,
        { cause: error },
      );
    }
    return proto.temporal.api.common.v1.Payload.decode(plain);
  }
}

/** node:crypto's AES-GCM is synchronous; a refusal still rejects the promise rather than throwing. */
const settle = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()));

function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

const associatedData = (id: string) => utf8(`revoker-payload/v1/${id}`);
const utf8 = (value: string) => new TextEncoder().encode(value);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** Failure messages and stack traces go into an encoded payload too (they can name principals). */
export const FAILURE_CONVERTER_PATH = moduleFile('./failure-converter.ts', import.meta.url);

/**
 * The data converter of every Revoker connection, worker and client alike: the encryption codec
 * and the failure converter that moves failure text into a payload. For `Worker.create` and the
 * workflow bundle (`failureConverterPath`).
 */
export function revokerDataConverter(keys: PayloadKeys | undefined): DataConverter {
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : {}),
  };
}

/** The same, loaded, for a `Client` (which takes it as is, without requiring the converter's path). */
export function revokerClientDataConverter(keys: PayloadKeys | undefined): LoadedDataConverter {
  return {
    payloadConverter: defaultPayloadConverter,
    failureConverter,
    payloadCodecs: keys ? [new EncryptionCodec(keys)] : [],
  };
}

/**
 * Keyed hashes of principal keys, for the `RevokerPrincipal` search attribute: visibility can be
 * filtered by principal, and holds no name. The HMAC key is derived from each payload key (HKDF),
 * so an incident filed under an older key is still found while that key is configured.
 */
export interface PrincipalTags {
  /** Keyed hashes (payload keys configured), or the keys themselves. */
  encrypted: boolean;
  /** The tag new incidents are filed under. */
  tag: (principalKey: string) => string;
  /** Every tag the principal may be filed under (one per configured key), to query. */
  tagsOf: (principalKey: string) => string[];
}

const TAG_INFO = 'revoker/principal-tag/v1';

export function principalTags(keys: PayloadKeys | undefined): PrincipalTags {
  // No keys, no encryption: the search attribute holds the names as before (docs/deploy.md, "Encrypted history", says so).
  if (!keys) return { encrypted: false, tag: (key) => key, tagsOf: (key) => [key] };
  const derived = [keys.current.key, ...[...keys.all.values()].filter((key) => key !== keys.current.key)].map((key) =>
    Buffer.from(hkdfSync('sha256', key, new Uint8Array(), TAG_INFO, KEY_BYTES)),
  );
  const hash = (tagKey: Buffer, principalKey: string) =>
    `p.${createHmac('sha256', tagKey).update(principalKey).digest('base64url').slice(0, 27)}`;
  return {
    encrypted: true,
    tag: (principalKey) => hash(derived[0] as Buffer, principalKey),
    tagsOf: (principalKey) => [...new Set(derived.map((tagKey) => hash(tagKey, principalKey)))],
  };
}

/**
 * The tags a client's (or worker's) data converter files principals under: keyed with the keys its
 * codec encrypts with, so the client that queries and the worker that files agree.
 */
export function principalTagsOf(dataConverter: Pick<LoadedDataConverter, 'payloadCodecs'>): PrincipalTags {
  const codec = dataConverter.payloadCodecs.find((c): c is EncryptionCodec => c instanceof EncryptionCodec);
  return principalTags(codec?.keys);
}
