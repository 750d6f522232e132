import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  generatePayloadKeyEntry,
  KEY_ID_METADATA,
  loadPayloadKeys,
  PayloadKeyError,
  principalTags,
  type PayloadKeys,
} from './payload-codec.js';

const OLD = `k2025:${randomBytes(32).toString('base64')}`;
const NEW = `k2026:${randomBytes(32).toString('base64')}`;
const keys = (...entries: string[]) => loadPayloadKeys({ REVOKER_PAYLOAD_KEYS: entries.join(',') }) as PayloadKeys;
const ALERT = { title: 'Stolen key used from Tor', principals: [{ type: 'aws.user', userName: 'alice' }] };
const plain = (value: unknown) => defaultPayloadConverter.toPayload(value);
const metadata = (payload: Payload, key: string) => new TextDecoder().decode(payload.metadata?.[key]);

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => assert.fail('expected the payload to be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PayloadKeyError, String(error));
  return error;
}

describe('payload codec', () => {
  it('encrypts a payload so its text is gone, and decodes it back exactly', async () => {
    const codec = new EncryptionCodec(keys(NEW));
    const original = plain(ALERT);
    const [encrypted] = (await codec.encode([original])) as [Payload];
    assert.equal(metadata(encrypted, 'encoding'), ENCRYPTED_ENCODING);
    assert.equal(metadata(encrypted, KEY_ID_METADATA), 'k2026');
    const stored = Buffer.from(JSON.stringify(encrypted));
    assert.ok(!Buffer.from(encrypted.data ?? []).includes('alice') && !stored.includes('Tor'));
    const [decoded] = (await codec.decode([encrypted])) as [Payload];
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded), ALERT);
    assert.equal(metadata(decoded, 'encoding'), 'json/plain');
  });

  it('uses a fresh nonce for each payload: the same value encrypts differently', async () => {
    const codec = new EncryptionCodec(keys(NEW));
    const [a, b] = (await codec.encode([plain(ALERT), plain(ALERT)])) as [Payload, Payload];
    assert.notDeepEqual(Buffer.from(a.data ?? []), Buffer.from(b.data ?? []));
  });

  it('still decodes payloads encrypted with an older key that is still configured (rotation)', async () => {
    const [before] = (await new EncryptionCodec(keys(OLD)).encode([plain(ALERT)])) as [Payload];
    const rotated = new EncryptionCodec(keys(NEW, OLD));
    const [decoded] = (await rotated.decode([before])) as [Payload];
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded), ALERT);
    const [after] = (await rotated.encode([plain(ALERT)])) as [Payload];
    assert.equal(metadata(after, KEY_ID_METADATA), 'k2026', 'the first key encrypts');
  });

  it('refuses a payload whose key id it does not hold, naming the id and never a key', async () => {
    const [before] = (await new EncryptionCodec(keys(OLD)).encode([plain(ALERT)])) as [Payload];
    const error = await refusal(new EncryptionCodec(keys(NEW)).decode([before]));
    assert.match(error.message, /key id "k2025", which REVOKER_PAYLOAD_KEYS does not hold \(it holds k2026\)/);
    assert.ok(!error.message.includes(NEW.slice(6)));
  });

  it('refuses altered ciphertext, and a payload relabelled with another key id', async () => {
    const both = keys(NEW, OLD);
    const codec = new EncryptionCodec(both);
    const [encrypted] = (await codec.encode([plain(ALERT)])) as [Payload];
    const data = Buffer.from(encrypted.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    assert.match((await refusal(codec.decode([{ ...encrypted, data }]))).message, /fails authentication/);
    const relabelled = { ...encrypted, metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: Buffer.from('k2025') } };
    assert.match((await refusal(codec.decode([relabelled]))).message, /fails authentication/);
    const truncated = { ...encrypted, data: data.subarray(0, 10) };
    assert.match((await refusal(codec.decode([truncated]))).message, /truncated/);
  });

  it('passes payloads that are not encrypted through unchanged (histories recorded before the codec)', async () => {
    const codec = new EncryptionCodec(keys(NEW));
    const payloads = [plain(ALERT), plain(undefined), plain(new Uint8Array([1, 2, 3]))];
    assert.deepEqual(await codec.decode(payloads), payloads);
  });
});

describe('payload keys', () => {
  it('reads keyId:base64key entries from the variable and the file, the first encrypting', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'revoker-payload-')), 'keys');
    writeFileSync(file, `${OLD}\n`);
    const loaded = loadPayloadKeys({ REVOKER_PAYLOAD_KEYS: NEW, REVOKER_PAYLOAD_KEYS_FILE: file });
    assert.equal(loaded?.current.id, 'k2026');
    assert.deepEqual([...(loaded?.all.keys() ?? [])], ['k2026', 'k2025']);
    assert.equal(loadPayloadKeys({}), undefined, 'none configured');
    assert.match(generatePayloadKeyEntry('k1'), /^k1:[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses a malformed entry, a short key and a repeated id without quoting the key', () => {
    const short = `k1:${randomBytes(16).toString('base64')}`;
    for (const [value, reason] of [
      [randomBytes(32).toString('base64'), /key #1 is not keyId:base64key/],
      [short, /key #1 \(k1\) is not 32 bytes in base64/],
      [`${NEW},${NEW}`, /key #2: key id k2026 is listed twice/],
    ] as const) {
      assert.throws(
        () => loadPayloadKeys({ REVOKER_PAYLOAD_KEYS: value }),
        (error: Error) => reason.test(error.message) && !error.message.includes(value.slice(-20)),
      );
    }
  });
});

describe('principal tags', () => {
  it('hash a principal key under the current key, and list one tag per configured key to query', () => {
    const tags = principalTags(keys(NEW, OLD));
    const key = 'aws/123456789012/user/alice';
    assert.match(tags.tag(key), /^p\.[A-Za-z0-9_-]{27}$/);
    assert.ok(!tags.tag(key).includes('alice'));
    assert.equal(tags.tag(key), principalTags(keys(NEW)).tag(key), 'stable for the same key');
    assert.notEqual(tags.tag(key), tags.tag('aws/123456789012/user/adele'));
    assert.deepEqual(tags.tagsOf(key), [tags.tag(key), principalTags(keys(OLD)).tag(key)]);
    assert.deepEqual(principalTags(undefined).tagsOf(key), [key], 'no keys: the key itself');
  });
});
