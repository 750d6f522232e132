// Checks the seal of Revoker's server on a verified decision, inside the workflow: Ed25519 in plain
// JavaScript (@noble/curves), deterministic, and with nothing secret — the keys are public and sit in the
// policy snapshot, so anyone reading the history can check a decision the same way.
import { ed25519 } from '@noble/curves/ed25519';
import { sealedText, type DecideRequest } from '../domain/decision.js';

const encoder = new TextEncoder();

/** True when `request.seal` is a signature of one of `keys` (`ed25519:<hex>`) over the decision as sent. */
export function sealHolds(keys: readonly string[], workflowId: string, request: DecideRequest): boolean {
  const { seal } = request;
  if (!seal) return false;
  const message = encoder.encode(sealedText(workflowId, request));
  return keys.some((key) => {
    try {
      return ed25519.verify(seal, message, key.slice('ed25519:'.length));
    } catch {
      return false; // a key or signature that is not a curve point
    }
  });
}
