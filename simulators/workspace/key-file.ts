import { parseWorkspaceSeed, type WorkspaceSeed } from './seed.js';

/** A service account key file, field for field as the Cloud console and `keys.create` hand it out. */
export type WorkspaceKeyFile = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  /** Google's real token endpoint: google-auth-library posts there whatever this says (see test-support.ts). */
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
};

/**
 * The key file of a seeded service account key that has its private half in the seed: by key id, or the first
 * such key of the first account when none is named. Tests use it as the playbook's credential; the dev stack can
 * write the worker's key file from it.
 */
export function keyFileOf(seed: WorkspaceSeed, keyId?: string): WorkspaceKeyFile {
  const validated = parseWorkspaceSeed(seed);
  for (const account of validated.serviceAccounts) {
    for (const key of account.keys) {
      if (keyId !== undefined && key.keyId !== keyId) continue;
      if (key.privateKey === undefined) {
        if (keyId === undefined) continue;
        throw new Error(`Key ${keyId} of ${account.email} has no privateKey in the seed, so it has no key file.`);
      }
      return {
        type: 'service_account',
        project_id: account.email.split('@')[1]?.split('.')[0] ?? '',
        private_key_id: key.keyId,
        private_key: key.privateKey,
        client_email: account.email,
        client_id: account.clientId,
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.email)}`,
        universe_domain: 'googleapis.com',
      };
    }
  }
  throw new Error(
    keyId === undefined ? 'No key with a private half is in the seed.' : `Key ${keyId} is not in the seed.`,
  );
}
