import { createHash, randomBytes, randomInt } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)] ?? '';
  return out;
}

/** Deterministic variant so that re-seeding produces the same unique ids (AWS ids are base32-looking). */
function hashedFrom(alphabet: string, length: number, input: string): string {
  const digest = createHash('sha256').update(input).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(digest[i] ?? 0) % alphabet.length] ?? '';
  return out;
}

/** Long-term IAM user keys start with AKIA, STS-issued temporary keys with ASIA; both are 20 characters. */
export const newLongTermAccessKeyId = (): string => `AKIA${randomFrom(UPPER_ALNUM, 16)}`;
export const newTemporaryAccessKeyId = (): string => `ASIA${randomFrom(UPPER_ALNUM, 16)}`;
/** AWS secret access keys are 40 characters of base64 alphabet. */
export const newSecretAccessKey = (): string => randomFrom(SECRET_ALPHABET, 40);
/** Real STS tokens are long opaque base64 blobs; the prefix mimics the common `IQoJb3JpZ2luX2Vj` header. */
export const newSessionToken = (): string => `IQoJb3JpZ2luX2VjE${randomBytes(240).toString('base64')}`;

/** Unique ids: users AIDA…, roles AROA… (21 characters). */
export const userIdFor = (accountId: string, userName: string): string =>
  `AIDA${hashedFrom(UPPER_ALNUM, 17, `user:${accountId}:${userName}`)}`;
export const roleIdFor = (accountId: string, roleName: string): string =>
  `AROA${hashedFrom(UPPER_ALNUM, 17, `role:${accountId}:${roleName}`)}`;
/** Groups AGPA…, managed policies ANPA… */
export const groupIdFor = (accountId: string, groupName: string): string =>
  `AGPA${hashedFrom(UPPER_ALNUM, 17, `group:${accountId}:${groupName}`)}`;
export const policyIdFor = (arn: string): string => `ANPA${hashedFrom(UPPER_ALNUM, 17, `policy:${arn}`)}`;
/** S3 canonical user ids are 64 hex characters. */
export const canonicalUserIdFor = (accountId: string): string =>
  createHash('sha256').update(`canonical:${accountId}`).digest('hex');
