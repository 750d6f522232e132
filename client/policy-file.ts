import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { Policy } from '../domain/policy.js';
import { describeIssues } from './webhook/validation.js';

/**
 * Reads a policy from a YAML or JSON file (JSON is YAML, so one parser serves both) and validates
 * it. A bad file stops the process that loads it with every problem listed by field and line:
 * the policy decides what runs without a human, so it is never half-applied or guessed at.
 */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read policy file ${path}: ${(error as Error).message}`, { cause: error });
  }

  if (text.length > MAX_POLICY_CHARACTERS) {
    throw new Error(`policy file ${path} is ${text.length} characters: a policy is at most ${MAX_POLICY_CHARACTERS}`);
  }
  if (flowDepth(text) > MAX_FLOW_DEPTH) {
    // The YAML parser runs out of memory on flow collections nested some thousands deep.
    throw new Error(`policy file ${path} nests [ ] or { } deeper than ${MAX_FLOW_DEPTH} levels`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => `  - ${firstLine(error.message)}`);
    throw new Error(`policy file ${path} is not valid YAML or JSON:\n${problems.join('\n')}`);
  }
  let data: unknown;
  try {
    // Throws on what parses but cannot be built: an alias bomb (maxAliasCount), a reference to a missing anchor.
    data = doc.toJS();
  } catch (error) {
    throw new Error(`policy file ${path} is not valid YAML or JSON:\n  - ${firstLine((error as Error).message)}`);
  }
  if (data === null || data === undefined) {
    throw new Error(`policy file ${path} is empty: a policy needs at least "version: 1"`);
  }

  const parsed = Policy.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error).map((issue) => {
    const line = lineOf(doc, lineCounter, issue.path);
    const where = [issue.field || '(top level)', line ? `(line ${line})` : ''].filter(Boolean).join(' ');
    return `  - ${where}: ${issue.message}`;
  });
  throw new Error(`policy file ${path} is invalid:\n${problems.join('\n')}`);
}

/** Far more than any policy needs; the bounds keep a crafted file from exhausting the parser. */
const MAX_POLICY_CHARACTERS = 1024 * 1024;
const MAX_FLOW_DEPTH = 64;

/** The deepest nesting of JSON/YAML flow brackets, counting brackets inside quotes too (no policy has deep ones). */
function flowDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return deepest;
}

/** The line of the node at `path`, or of its nearest ancestor present in the file (for a missing field). */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const node: unknown = doc.getIn(path.slice(0, length), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      const offset: unknown = node.range[0];
      if (typeof offset === 'number') return lineCounter.linePos(offset).line;
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}
