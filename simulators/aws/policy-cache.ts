import { parsePolicyText, type PolicyDocument, type PolicyKind } from './policy-doc.js';

const parsed = new Map<string, PolicyDocument>();

/** Stored documents were validated when written; parse each distinct text once for evaluation. */
export function storedPolicy(text: string, kind: PolicyKind = 'identity'): PolicyDocument {
  const cacheKey = `${kind}\u0000${text}`;
  let document = parsed.get(cacheKey);
  if (!document) {
    document = parsePolicyText(text, kind);
    parsed.set(cacheKey, document);
  }
  return document;
}
