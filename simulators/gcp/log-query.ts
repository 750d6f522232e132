import { invalidArgument } from './errors.js';
import type { LogEntry } from './state.js';

/**
 * The Logging query language (https://cloud.google.com/logging/docs/view/logging-query-language), the subset a
 * reader of audit logs writes: comparisons `field op value` with `=`, `!=`, `:` (has: a case-insensitive
 * substring, `:*` present), `=~`/`!~` (regular expressions), `<`, `<=`, `>`, `>=` (times on `timestamp` and
 * `receiveTimestamp`, else numbers or text); `AND`, `OR`, `NOT` (or `-`), parentheses, juxtaposition as AND; value
 * lists `field=("a" OR "b")`. As in Google's grammar, NOT binds tightest, then OR, then AND: `a AND b OR c` is
 * `a AND (b OR c)`. Field paths go through repeated fields (any element matches) and may quote a segment
 * (`labels."k.8s"`). What it cannot parse (a global text search, an unknown top-level field, a function) is
 * 400 INVALID_ARGUMENT naming where.
 */

type Comparator = '=' | '!=' | ':' | '=~' | '!~' | '<' | '<=' | '>' | '>=';

type Node =
  | { kind: 'and' | 'or'; parts: Node[] }
  | { kind: 'not'; part: Node }
  | { kind: 'compare'; path: string[]; op: Comparator; values: ValueExpr };

type ValueExpr = { kind: 'value'; text: string } | { kind: 'and' | 'or'; parts: ValueExpr[] };

interface Token {
  type: 'word' | 'string' | 'op' | '(' | ')' | '.';
  text: string;
  column: number;
}

const TOP_LEVEL = new Set([
  'logName',
  'resource',
  'timestamp',
  'receiveTimestamp',
  'severity',
  'insertId',
  'httpRequest',
  'labels',
  'operation',
  'trace',
  'spanId',
  'traceSampled',
  'sourceLocation',
  'split',
  'protoPayload',
  'jsonPayload',
  'textPayload',
  'errorGroups',
  'apphub',
]);
const TIME_FIELDS = new Set(['timestamp', 'receiveTimestamp']);
const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const MAX_FILTER_LENGTH = 20_000;

const unparseable = (token: Token | undefined, filter: string) =>
  invalidArgument(
    `Unparseable filter: syntax error at line 1, column ${token?.column ?? filter.length + 1}, token '${token?.text ?? '<EOF>'}'`,
  );

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter.charAt(i);
    const column = i + 1;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"') {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= filter.length)
          throw invalidArgument(`Unparseable filter: unterminated string at line 1, column ${column}`);
        const d = filter.charAt(i);
        if (d === '\\') {
          const next = filter.charAt(i + 1);
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (d === '"') {
          i += 1;
          break;
        } else {
          text += d;
          i += 1;
        }
      }
      tokens.push({ type: 'string', text, column });
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c, text: c, column });
      i += 1;
    } else if (c === '.') {
      tokens.push({ type: '.', text: c, column });
      i += 1;
    } else {
      const op = /^(?:!=|=~|!~|<=|>=|=|:|<|>)/.exec(filter.slice(i))?.[0];
      if (op) {
        tokens.push({ type: 'op', text: op, column });
        i += op.length;
        continue;
      }
      const word = /^[^\s"().=:<>!~]+/.exec(filter.slice(i))?.[0];
      if (!word) throw unparseable({ type: 'word', text: c, column }, filter);
      tokens.push({ type: 'word', text: word, column });
      i += word.length;
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly filter: string,
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }
  private next(): Token {
    const token = this.tokens[this.at];
    if (!token) throw unparseable(undefined, this.filter);
    this.at += 1;
    return token;
  }
  private isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.type === 'word' && token.text === text;
  }

  parse(): Node {
    const node = this.and();
    if (this.peek()) throw unparseable(this.peek(), this.filter);
    return node;
  }

  // AND binds loosest: a sequence of OR expressions, joined by AND or by juxtaposition.
  private and(): Node {
    const parts = [this.or()];
    for (;;) {
      const token = this.peek();
      if (!token || token.type === ')') break;
      if (this.isWord('AND')) this.next();
      parts.push(this.or());
    }
    return parts.length === 1 ? (parts[0] as Node) : { kind: 'and', parts };
  }

  private or(): Node {
    const parts = [this.not()];
    while (this.isWord('OR')) {
      this.next();
      parts.push(this.not());
    }
    return parts.length === 1 ? (parts[0] as Node) : { kind: 'or', parts };
  }

  private not(): Node {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', part: this.not() };
    }
    const token = this.peek();
    if (token?.type === 'word' && token.text.startsWith('-') && token.text.length > 1) {
      // `-field=value`: the word holds the dash.
      this.tokens[this.at] = { ...token, text: token.text.slice(1), column: token.column + 1 };
      return { kind: 'not', part: this.primary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const token = this.next();
    if (token.type === '(') {
      const node = this.and();
      if (this.next().type !== ')') throw unparseable(this.tokens[this.at - 1], this.filter);
      return node;
    }
    if (token.type !== 'word' || ['AND', 'OR', 'NOT'].includes(token.text)) {
      if (token.type === 'string' || token.type === 'word') {
        throw invalidArgument(
          `Unparseable filter: global restrictions (a bare value such as ${JSON.stringify(token.text)} at column ${token.column}) are not supported by this simulator: name a field.`,
        );
      }
      throw unparseable(token, this.filter);
    }
    const path = [token.text];
    while (this.peek()?.type === '.') {
      this.next();
      const segment = this.next();
      if (segment.type !== 'word' && segment.type !== 'string') throw unparseable(segment, this.filter);
      path.push(segment.text);
    }
    const op = this.peek();
    if (op?.type !== 'op') {
      if (path.length === 1) {
        throw invalidArgument(
          `Unparseable filter: global restrictions (a bare value such as ${JSON.stringify(token.text)} at column ${token.column}) are not supported by this simulator: name a field.`,
        );
      }
      throw unparseable(op, this.filter);
    }
    this.next();
    if (!TOP_LEVEL.has(path[0] ?? '')) {
      throw invalidArgument(`Invalid filter: unknown field "${path.join('.')}" at line 1, column ${token.column}.`);
    }
    return { kind: 'compare', path, op: op.text as Comparator, values: this.value() };
  }

  private value(): ValueExpr {
    const token = this.next();
    if (token.type === 'string' || (token.type === 'word' && !['AND', 'OR', 'NOT'].includes(token.text))) {
      // An unquoted value runs until white space or a parenthesis: `timestamp>=2026-01-01T00:00:00Z`.
      let text = token.text;
      while (token.type === 'word' && this.peek() && ['.', 'op', 'word'].includes(this.peek()?.type ?? '')) {
        const next = this.peek() as Token;
        const previous = this.tokens[this.at - 1] as Token;
        if (next.column !== previous.column + previous.text.length) break;
        text += next.text;
        this.next();
      }
      return { kind: 'value', text };
    }
    if (token.type === '(') {
      const parts = [this.value()];
      let joiner: 'and' | 'or' | undefined;
      while (this.peek()?.type !== ')') {
        const word = this.next();
        const kind =
          word.type === 'word' && word.text === 'OR'
            ? 'or'
            : word.type === 'word' && word.text === 'AND'
              ? 'and'
              : undefined;
        if (!kind || (joiner && joiner !== kind)) throw unparseable(word, this.filter);
        joiner = kind;
        parts.push(this.value());
      }
      this.next();
      return parts.length === 1 ? (parts[0] as ValueExpr) : { kind: joiner ?? 'or', parts };
    }
    throw unparseable(token, this.filter);
  }
}

/** The values at a path: repeated fields fan out, so `a.b` matches if any element's `b` does. */
function valuesAt(entry: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [entry];
  for (const segment of path) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (item !== null && typeof item === 'object' && segment in item) {
          next.push((item as Record<string, unknown>)[segment]);
        }
      }
    }
    current = next;
  }
  return current.flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]));
}

const asText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

function compareOne(value: unknown, op: Comparator, wanted: string, path: readonly string[]): boolean {
  if (op === ':' && wanted === '*') return value !== undefined && value !== null;
  const text = asText(value);
  if (text === undefined)
    return op === ':' ? JSON.stringify(value).toLowerCase().includes(wanted.toLowerCase()) : false;
  switch (op) {
    case '=':
      return text === wanted;
    case ':':
      return text.toLowerCase().includes(wanted.toLowerCase());
    case '=~':
      return new RegExp(wanted).test(text);
    default: {
      let order: number;
      if (TIME_FIELDS.has(path[0] ?? '') && path.length === 1) {
        const [a, b] = [Date.parse(text), Date.parse(wanted)];
        if (Number.isNaN(b)) throw invalidArgument(`Invalid filter: ${JSON.stringify(wanted)} is not a timestamp.`);
        order = a - b;
      } else if (path[0] === 'severity' && path.length === 1 && SEVERITIES.includes(wanted.toUpperCase())) {
        order = SEVERITIES.indexOf(text) - SEVERITIES.indexOf(wanted.toUpperCase());
      } else if (text !== '' && wanted !== '' && !Number.isNaN(Number(text)) && !Number.isNaN(Number(wanted))) {
        order = Number(text) - Number(wanted);
      } else {
        order = text < wanted ? -1 : text > wanted ? 1 : 0;
      }
      return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
    }
  }
}

function matchValues(values: unknown[], op: Comparator, expr: ValueExpr, path: readonly string[]): boolean {
  if (expr.kind !== 'value') {
    const each = (part: ValueExpr) => matchValues(values, op, part, path);
    return expr.kind === 'and' ? expr.parts.every(each) : expr.parts.some(each);
  }
  // `!=` and `!~` are the negations of `=` and `=~`: an entry without the field matches them.
  if (op === '!=') return !values.some((v) => compareOne(v, '=', expr.text, path));
  if (op === '!~') return !values.some((v) => compareOne(v, '=~', expr.text, path));
  return values.some((v) => compareOne(v, op, expr.text, path));
}

function evaluate(node: Node, entry: LogEntry): boolean {
  switch (node.kind) {
    case 'and':
      return node.parts.every((part) => evaluate(part, entry));
    case 'or':
      return node.parts.some((part) => evaluate(part, entry));
    case 'not':
      return !evaluate(node.part, entry);
    case 'compare':
      return matchValues(valuesAt(entry, node.path), node.op, node.values, node.path);
  }
}

/** What the filter compares must make sense before any entry is read: regular expressions, times. */
function checkValues(node: Node): void {
  if (node.kind === 'not') return checkValues(node.part);
  if (node.kind !== 'compare') return node.parts.forEach(checkValues);
  const regex = node.op === '=~' || node.op === '!~';
  const time = TIME_FIELDS.has(node.path[0] ?? '') && node.path.length === 1 && node.op !== ':';
  const each = (expr: ValueExpr): void => {
    if (expr.kind !== 'value') return expr.parts.forEach(each);
    if (time && Number.isNaN(Date.parse(expr.text))) {
      throw invalidArgument(`Invalid filter: ${JSON.stringify(expr.text)} is not a timestamp.`);
    }
    if (!regex) return;
    try {
      new RegExp(expr.text);
    } catch {
      throw invalidArgument(`Invalid filter: ${JSON.stringify(expr.text)} is not a regular expression.`);
    }
  };
  each(node.values);
}

/** Every string value a comparison on `field` names (for logName: which logs a filter asks for). */
export function valuesNamed(filter: LogFilter, field: string): string[] {
  const found: string[] = [];
  const values = (expr: ValueExpr): void => {
    if (expr.kind === 'value') found.push(expr.text);
    else expr.parts.forEach(values);
  };
  const walk = (node: Node | undefined): void => {
    if (!node) return;
    if (node.kind === 'not') return walk(node.part);
    if (node.kind !== 'compare') return node.parts.forEach(walk);
    if (node.path.join('.') === field) values(node.values);
  };
  walk(filter.root);
  return found;
}

export interface LogFilter {
  readonly root?: Node;
  matches(entry: LogEntry): boolean;
}

/** Parses a filter; an empty one matches every entry. */
export function parseLogFilter(filter: string): LogFilter {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw invalidArgument(`Invalid filter: longer than ${MAX_FILTER_LENGTH} characters.`);
  }
  const tokens = tokenize(filter);
  if (tokens.length === 0) return { matches: () => true };
  const root = new Parser(tokens, filter).parse();
  checkValues(root);
  return { root, matches: (entry) => evaluate(root, entry) };
}
