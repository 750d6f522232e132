import { parseGcpSeed, type GcpSeed, type ValidatedGcpSeed } from './seed.js';

/** A service account key file, field for field as the Cloud console and `keys.create` hand it out. */
export type GcpKeyFile = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
};

/**
 * The key file of a seeded key that has its private half in the seed, by key id or full key name. Tests use it to
 * act as the key's holder; the dev stack writes the worker's GOOGLE_APPLICATION_CREDENTIALS file from it. Given
 * several seeds (an organisation's projects), the key is looked for in each.
 */
export function keyFileOf(seeds: GcpSeed | readonly GcpSeed[], key: string): GcpKeyFile {
  const keyId = key.split('/').pop() ?? key;
  const list: readonly GcpSeed[] = Array.isArray(seeds) ? seeds : [seeds as GcpSeed];
  for (const seed of list) {
    const found = keyFileIn(parseGcpSeed(seed), key, keyId);
    if (found) return found;
  }
  throw new Error(`Key ${keyId} is not in the seed${list.length > 1 ? 's' : ''}.`);
}

function keyFileIn(validated: ValidatedGcpSeed, key: string, keyId: string): GcpKeyFile | undefined {
  for (const account of validated.serviceAccounts) {
    const found = account.keys.find((k) => k.keyId === keyId);
    if (!found) continue;
    const named = /^projects\/[^/]+\/serviceAccounts\/([^/]+)\/keys\//.exec(key)?.[1];
    if (named !== undefined && named !== account.email && named !== account.uniqueId) {
      throw new Error(`Key ${keyId} belongs to ${account.email}, not to ${named}.`);
    }
    if (found.privateKey === undefined) {
      throw new Error(
        `Key ${keyId} of ${account.email} has no privateKey in the seed, so it has no key file (only its holder had one).`,
      );
    }
    return keyFileFor(validated.projectId, account, keyId, found.privateKey);
  }
  return undefined;
}

/** The key file of a key whose private half is at hand (a seeded one, or one keys.create just made). */
export function keyFileFor(
  projectId: string,
  account: { email: string; uniqueId: string },
  keyId: string,
  privateKey: string,
): GcpKeyFile {
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: keyId,
    private_key: privateKey,
    client_email: account.email,
    client_id: account.uniqueId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.email)}`,
    universe_domain: 'googleapis.com',
  };
}
