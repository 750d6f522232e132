// Revoker's server seals each decision it verified (a person's own one-click link, or their identity token) with
// an Ed25519 key, and the playbook checks the seal against the public keys in its policy (workflows/seal.ts). The
// private key stays with the webhook; the public key travels in the policy snapshot, where anyone may read it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DecideRequest, sealedText } from '../domain/decision.js';
import type { Policy } from '../domain/policy.js';

export interface DecisionSealer {
  /** `ed25519:<64 hex digits>`, as a policy's `verifierKeys` lists it. */
  publicKey: string;
  /** The request as the playbook will parse it, with its seal for this playbook. */
  seal(workflowId: string, request: DecideRequest): DecideRequest;
}

export function decisionSealer(privateKey: KeyObject): DecisionSealer {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the decision key is ${privateKey.asymmetricKeyType ?? 'not a private key'}, not Ed25519`);
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = `ed25519:${Buffer.from(jwk.x ?? '', 'base64url').toString('hex')}`;
  return {
    publicKey,
    seal(workflowId, request) {
      // Sealed as parsed (trimmed approver, defaults), so the playbook signs off on the very same text.
      const parsed = DecideRequest.parse(request);
      const signature = sign(null, Buffer.from(sealedText(workflowId, parsed)), privateKey);
      return { ...parsed, seal: signature.toString('hex') };
    },
  };
}

/** A PEM (PKCS #8) Ed25519 private key, as `openssl genpkey -algorithm ed25519` writes it. */
export function generateDecisionKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The sealer of `REVOKER_DECISION_KEY_FILE`, or undefined when it is not set; a file that is no Ed25519 key throws. */
export function loadDecisionSealer(env: Record<string, string | undefined> = process.env): DecisionSealer | undefined {
  const file = env.REVOKER_DECISION_KEY_FILE;
  if (!file) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new Error(
      `REVOKER_DECISION_KEY_FILE (${file}) is not a readable private key (${error instanceof Error ? error.message : String(error)}): ` +
        'make one with `openssl genpkey -algorithm ed25519 -out decision-key.pem`',
    );
  }
  return decisionSealer(key);
}

/**
 * The policy the webhook starts playbooks with: the loaded one, with this server's key. Under `oidc` a server that
 * cannot seal (and a policy that lists no key) would start playbooks no verified decision can reach: refused.
 */
export function startingPolicy(policy: Policy, sealer: DecisionSealer | undefined): Policy {
  if (policy.trustedIdentities === 'oidc' && !sealer && !policy.verifierKeys) {
    throw new Error(
      'the policy takes only verified approvers (trustedIdentities: oidc): set REVOKER_DECISION_KEY_FILE to an Ed25519 ' +
        'private key (`openssl genpkey -algorithm ed25519 -out decision-key.pem`) so this server can seal what it verified',
    );
  }
  return withVerifierKey(policy, sealer?.publicKey);
}

/** The policy a playbook starts with: its own verifier keys and the starting server's, first. */
export function withVerifierKey(policy: Policy, publicKey: string | undefined): Policy {
  if (!publicKey) return policy;
  const keys = [publicKey, ...(policy.verifierKeys ?? []).filter((key) => key !== publicKey)].slice(0, 8);
  return { ...policy, verifierKeys: keys };
}
