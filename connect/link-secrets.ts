import { readSecrets } from './secrets.js';

/** HS256 keys shorter than the hash (32 bytes) weaken it (RFC 7518 §3.2); so are typed-in passwords. */
export const MIN_LINK_SECRET_LENGTH = 32;

/**
 * The one-click links' signing secrets from `REVOKER_LINK_SECRETS` (comma-separated) and
 * `REVOKER_LINK_SECRETS_FILE` (one per line). The first signs new links, all verify: to rotate,
 * put the new secret first and drop the old one once its links have expired. Empty: no links.
 */
export function loadLinkSecrets(env: Record<string, string | undefined> = process.env): string[] {
  const secrets = [...new Set(readSecrets(env, 'REVOKER_LINK_SECRETS'))];
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_LINK_SECRET_LENGTH) {
      // Its position and length only: the value is a secret.
      throw new Error(
        `REVOKER_LINK_SECRETS: secret #${index + 1} has ${secret.length} characters; each needs at least ` +
          `${MIN_LINK_SECRET_LENGTH} (e.g. \`openssl rand -base64 32\`)`,
      );
    }
  });
  return secrets;
}
