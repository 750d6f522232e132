import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { describeIssues } from './field-issues.js';

/** A YAML (or JSON) file read and validated, with the parsed document kept to say where things are. */
export interface YamlFile<T> {
  path: string;
  data: T;
  /** The line (1-based) of the node at `path`, or of its nearest ancestor present in the file. */
  lineOf(path: (string | number)[]): number | undefined;
  /** The last line of the node at `path` (where an entry of a list would be added after). */
  endLineOf(path: (string | number)[]): number | undefined;
}

/** Far more than any configuration needs; the bounds keep a crafted file from exhausting the parser. */
const MAX_CHARACTERS = 1024 * 1024;
const MAX_FLOW_DEPTH = 64;

/**
 * Reads `path` as YAML (JSON is YAML, so one parser serves both) and validates it with `schema`. A bad
 * file throws one error listing every problem by field and line: configuration that decides what
 * runs is never half-applied or guessed at. `what` names the file in messages ("policy file").
 */
export function loadYamlFile<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
  emptyHint: string,
): YamlFile<z.infer<S>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (text.length > MAX_CHARACTERS) {
    throw new Error(`${what} ${path} is ${text.length} characters: at most ${MAX_CHARACTERS}`);
  }
  if (flowDepth(text) > MAX_FLOW_DEPTH) {
    // The YAML parser runs out of memory on flow collections nested some thousands deep.
    throw new Error(`${what} ${path} nests [ ] or { } deeper than ${MAX_FLOW_DEPTH} levels`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => `  - ${firstLine(error.message)}`);
    throw new Error(`${what} ${path} is not valid YAML or JSON:\n${problems.join('\n')}`);
  }
  let data: unknown;
  try {
    // Throws on what parses but cannot be built: an alias bomb (maxAliasCount), a reference to a missing anchor.
    data = doc.toJS();
  } catch (error) {
    throw new Error(`${what} ${path} is not valid YAML or JSON:\n  - ${firstLine((error as Error).message)}`);
  }
  if (data === null || data === undefined) throw new Error(`${what} ${path} is empty: ${emptyHint}`);

  const at = (nodePath: (string | number)[], end: boolean) => position(doc, lineCounter, nodePath, end);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error).map((issue) => {
      const line = at(issue.path, false);
      const where = [issue.field || '(top level)', line ? `(line ${line})` : ''].filter(Boolean).join(' ');
      return `  - ${where}: ${issue.message}`;
    });
    throw new Error(`${what} ${path} is invalid:\n${problems.join('\n')}`);
  }
  return {
    path,
    data: parsed.data,
    lineOf: (nodePath) => at(nodePath, false),
    endLineOf: (nodePath) => at(nodePath, true),
  };
}

/** The deepest nesting of JSON/YAML flow brackets, counting brackets inside quotes too (no file has deep ones). */
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

/** The first (or last) line of the node at `path`, or of its nearest ancestor present in the file. */
function position(
  doc: Document,
  lineCounter: LineCounter,
  path: (string | number)[],
  end: boolean,
): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const node: unknown = doc.getIn(path.slice(0, length), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      // range: [start, value end, node end]; the value's end is the last character that belongs to it.
      const offset: unknown = end ? node.range[1] : node.range[0];
      if (typeof offset === 'number') {
        const { line, col } = lineCounter.linePos(offset);
        // An end offset just past a newline belongs to the line before.
        return end && col === 1 && line > 1 ? line - 1 : line;
      }
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}
