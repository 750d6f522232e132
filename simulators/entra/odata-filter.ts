// The `$filter` subset Microsoft Graph documents for its audit logs: comparisons of a property with a literal
// (`eq`, `ge`, `le`, and `startswith(…)` where a property allows it), `any` over a collection with a lambda, joined
// with `and` / `or` and parentheses. A property or operator the resource does not support is refused with 400, as
// Graph refuses it, rather than ignored.
import { GraphError } from './graph-errors.js';

export type FilterOperator = 'eq' | 'ge' | 'le' | 'startswith';

/** A filterable property: its EDM type, the operators Graph supports on it, and how to read it from a record. */
export interface FilterField<T> {
  readonly type: 'string' | 'datetime' | 'number';
  readonly operators: readonly FilterOperator[];
  readonly get: (record: T) => unknown;
}

/** A collection `any` may range over: of strings (`t eq '…'`) or of objects (`t/id eq '…'`). */
export interface FilterCollection<T> {
  readonly get: (record: T) => readonly unknown[];
  /** The element's own fields (`t/id`); undefined for a collection of strings compared as `t`. */
  readonly fields?: Readonly<Record<string, FilterField<unknown>>>;
  /** For a collection of strings: the operators allowed on `t`. */
  readonly operators?: readonly FilterOperator[];
}

export interface FilterSchema<T> {
  /** e.g. `directoryAudit`, for error messages that name `microsoft.graph.directoryAudit`. */
  readonly typeName: string;
  readonly fields: Readonly<Record<string, FilterField<T>>>;
  readonly collections?: Readonly<Record<string, FilterCollection<T>>>;
}

export type Predicate<T> = (record: T) => boolean;

type Token =
  | { kind: 'punct'; value: '(' | ')' | ',' | ':'; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'datetime'; value: string; at: number }
  | { kind: 'number'; value: number; at: number };

const badFilter = (message: string) => new GraphError(400, 'BadRequest', message);

const EDM: Record<FilterField<unknown>['type'], string> = {
  string: 'Edm.String',
  datetime: 'Edm.DateTimeOffset',
  number: 'Edm.Int32',
};
const OPERATOR_KIND: Record<'eq' | 'ge' | 'le', string> = {
  eq: 'Equal',
  ge: 'GreaterThanOrEqual',
  le: 'LessThanOrEqual',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const syntax = () => badFilter(`Syntax error at position ${i} in '${text}'.`);
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ kind: 'punct', value: ch, at: i });
      i += 1;
    } else if (ch === "'") {
      const at = i;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length)
          throw badFilter(`There is an unterminated string literal at position ${at} in '${text}'.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ kind: 'string', value, at });
    } else if (/[0-9-]/.test(ch)) {
      const at = i;
      const match = /^-?[0-9][0-9TZ:.+-]*/i.exec(text.slice(i));
      if (!match) throw syntax();
      const raw = match[0];
      i += raw.length;
      if (/^-?\d+$/.test(raw)) tokens.push({ kind: 'number', value: Number(raw), at });
      else if (!Number.isNaN(Date.parse(raw)) && /^\d{4}-\d{2}-\d{2}/.test(raw))
        tokens.push({ kind: 'datetime', value: raw, at });
      else throw badFilter(`Unrecognized literal '${raw}' at position ${at} in '${text}'.`);
    } else if (/[A-Za-z_]/.test(ch)) {
      const at = i;
      const match = /^[A-Za-z_][A-Za-z0-9_./]*/.exec(text.slice(i));
      const value = match?.[0] ?? ch;
      i += value.length;
      tokens.push({ kind: 'word', value, at });
    } else {
      throw syntax();
    }
  }
  return tokens;
}

/** Case-insensitive lookup of a property, as Graph resolves property names in `$filter`. */
function lookup<F>(fields: Readonly<Record<string, F>> | undefined, name: string): [string, F] | undefined {
  if (!fields) return undefined;
  const found = Object.keys(fields).find((k) => k.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : [found, fields[found] as F];
}

const sameText = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

function compare(
  field: FilterField<unknown>,
  path: string,
  operator: FilterOperator,
  literal: Token,
): (value: unknown) => boolean {
  if (!field.operators.includes(operator)) {
    throw badFilter(`Invalid filter clause: the operator '${operator}' is not supported on property '${path}'.`);
  }
  const literalType =
    literal.kind === 'string'
      ? 'string'
      : literal.kind === 'datetime'
        ? 'datetime'
        : literal.kind === 'number'
          ? 'number'
          : undefined;
  if (literalType !== field.type && operator !== 'startswith') {
    throw badFilter(
      `A binary operator with incompatible types was detected. Found operand types '${EDM[field.type]}' and '${literalType === undefined ? 'unknown' : EDM[literalType]}' for operator kind '${OPERATOR_KIND[operator]}'.`,
    );
  }
  if (field.type === 'datetime') {
    const bound = Date.parse(String(literal.value));
    return (value) => {
      const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(time)) return false;
      return operator === 'eq' ? time === bound : operator === 'ge' ? time >= bound : time <= bound;
    };
  }
  if (field.type === 'number') return (value) => value === literal.value;
  const wanted = String(literal.value);
  if (operator === 'startswith') {
    return (value) => typeof value === 'string' && value.toLowerCase().startsWith(wanted.toLowerCase());
  }
  if (operator !== 'eq') {
    throw badFilter(`Invalid filter clause: the operator '${operator}' is not supported on property '${path}'.`);
  }
  return (value) => sameText(value, wanted);
}

class Parser<T> {
  private index = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly schema: FilterSchema<T>,
  ) {}

  parse(): Predicate<unknown> {
    if (this.tokens.length === 0) throw badFilter(`The $filter expression must not be empty.`);
    const predicate = this.or(undefined);
    const left = this.tokens[this.index];
    if (left) throw this.syntax(left);
    return predicate;
  }

  private syntax(token?: Token): GraphError {
    return badFilter(`Syntax error at position ${token?.at ?? this.text.length} in '${this.text}'.`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (!token) throw this.syntax();
    this.index += 1;
    return token;
  }

  private expect(value: '(' | ')' | ',' | ':'): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.value !== value) throw this.syntax(token);
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.value.toLowerCase() === word;
  }

  /** `lambda` is set inside `any(v: …)`: the variable and the element it stands for. */
  private or(lambda: Lambda | undefined): Predicate<unknown> {
    let left = this.and(lambda);
    while (this.isWord(this.peek(), 'or')) {
      this.index += 1;
      const right = this.and(lambda);
      const l = left;
      left = (r) => l(r) || right(r);
    }
    return left;
  }

  private and(lambda: Lambda | undefined): Predicate<unknown> {
    let left = this.unary(lambda);
    while (this.isWord(this.peek(), 'and')) {
      this.index += 1;
      const right = this.unary(lambda);
      const l = left;
      left = (r) => l(r) && right(r);
    }
    return left;
  }

  private unary(lambda: Lambda | undefined): Predicate<unknown> {
    const token = this.next();
    if (token.kind === 'punct' && token.value === '(') {
      const inner = this.or(lambda);
      this.expect(')');
      return inner;
    }
    if (token.kind !== 'word') throw this.syntax(token);
    if (token.value.toLowerCase() === 'not') {
      throw badFilter(`Invalid filter clause: 'not' is not supported on ${this.schema.typeName}.`);
    }
    if (token.value.toLowerCase() === 'startswith') {
      this.expect('(');
      const path = this.next();
      if (path.kind !== 'word') throw this.syntax(path);
      this.expect(',');
      const literal = this.next();
      if (literal.kind !== 'string') throw this.syntax(literal);
      this.expect(')');
      const [name, field] = this.field(path.value, lambda);
      const test = compare(field, name, 'startswith', literal);
      return (r) => test(field.get(r));
    }
    if (/\/any$/i.test(token.value)) {
      if (lambda) throw badFilter(`Invalid filter clause: nested 'any' is not supported.`);
      return this.any(token.value.slice(0, -'/any'.length));
    }
    const operator = this.next();
    const op = operator.kind === 'word' ? operator.value.toLowerCase() : '';
    if (op !== 'eq' && op !== 'ge' && op !== 'le') {
      if (['ne', 'gt', 'lt', 'has', 'in'].includes(op)) {
        throw badFilter(`Invalid filter clause: the operator '${op}' is not supported on ${this.schema.typeName}.`);
      }
      throw this.syntax(operator);
    }
    const literal = this.next();
    if (literal.kind === 'punct' || literal.kind === 'word') {
      if (!(literal.kind === 'word' && literal.value === 'null')) throw this.syntax(literal);
      throw badFilter(`Invalid filter clause: comparison with null is not supported on ${this.schema.typeName}.`);
    }
    const [name, field] = this.field(token.value, lambda);
    const test = compare(field, name, op, literal);
    return (r) => test(field.get(r));
  }

  /** A property of the record, or (inside a lambda) the variable or one of its element's properties. */
  private field(path: string, lambda: Lambda | undefined): [string, FilterField<unknown>] {
    if (lambda) {
      const [variable, ...rest] = path.split('/');
      if (variable !== lambda.variable) {
        throw badFilter(`Invalid filter clause: '${path}' inside the lambda must start with '${lambda.variable}'.`);
      }
      if (rest.length === 0) {
        if (lambda.collection.fields) {
          throw badFilter(`Invalid filter clause: '${path}' is an object; compare one of its properties.`);
        }
        return [path, { type: 'string', operators: lambda.collection.operators ?? ['eq'], get: (v) => v }];
      }
      const found = lookup(lambda.collection.fields, rest.join('/'));
      if (!found) {
        throw badFilter(`Could not find a property named '${rest.join('/')}' on the elements of '${lambda.name}'.`);
      }
      return [path, found[1]];
    }
    const found = lookup(this.schema.fields, path);
    if (!found) {
      const collection = lookup(this.schema.collections, path);
      if (collection) throw badFilter(`Invalid filter clause: '${path}' is a collection; use ${path}/any(…).`);
      throw badFilter(`Could not find a property named '${path}' on type 'microsoft.graph.${this.schema.typeName}'.`);
    }
    return [found[0], found[1] as unknown as FilterField<unknown>];
  }

  private any(path: string): Predicate<unknown> {
    const found = lookup(this.schema.collections, path);
    if (!found) {
      throw badFilter(`Could not find a property named '${path}' on type 'microsoft.graph.${this.schema.typeName}'.`);
    }
    const [name, collection] = found;
    this.expect('(');
    const variable = this.next();
    if (variable.kind !== 'word' || variable.value.includes('/')) throw this.syntax(variable);
    this.expect(':');
    const body = this.or({
      variable: variable.value,
      collection: collection as unknown as FilterCollection<unknown>,
      name,
    });
    this.expect(')');
    return (r) => collection.get(r as T).some((element) => body(element));
  }
}

interface Lambda {
  readonly variable: string;
  readonly collection: FilterCollection<unknown>;
  readonly name: string;
}

/** Compiles a `$filter` expression against a resource's filterable properties; throws a Graph 400 when refused. */
export function compileFilter<T>(text: string, schema: FilterSchema<T>): Predicate<T> {
  return new Parser(text, tokenize(text), schema).parse();
}
