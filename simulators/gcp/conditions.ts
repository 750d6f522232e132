import type { Condition } from './state.js';

/**
 * IAM Conditions, reduced to what the sandbox needs: CEL comparisons of `request.time` with `timestamp("…")`
 * (`<`, `<=`, `>`, `>=`), `true`, `false`, joined by `&&` and `||`, negated by `!`, grouped by parentheses. That
 * covers the temporary grants attackers and admins write (`request.time < timestamp("2026-12-31T00:00:00Z")`). Any
 * other attribute (resource.name, request.path, …) is not modelled: such a binding grants nothing here, as a
 * condition IAM cannot evaluate to true grants nothing at Google.
 */
export function conditionHolds(condition: Condition, now: Date): boolean {
  try {
    const parser = new Parser(condition.expression, now);
    const value = parser.or();
    parser.end();
    return value;
  } catch {
    return false;
  }
}

const TOKEN = /\s*(\|\||&&|<=|>=|<|>|!|\(|\)|request\.time|timestamp\s*\(\s*"([^"]*)"\s*\)|true|false)/y;

class Parser {
  private at = 0;
  private readonly tokens: { text: string; time?: string }[] = [];

  constructor(
    expression: string,
    private readonly now: Date,
  ) {
    let offset = 0;
    TOKEN.lastIndex = 0;
    while (offset < expression.length) {
      if (/^\s*$/.test(expression.slice(offset))) break;
      TOKEN.lastIndex = offset;
      const match = TOKEN.exec(expression);
      if (!match) throw new Error(`unsupported condition at ${offset}`);
      const text = match[1] ?? '';
      this.tokens.push(text.startsWith('timestamp') ? { text: 'timestamp', time: match[2] ?? '' } : { text });
      offset = TOKEN.lastIndex;
    }
  }

  end(): void {
    if (this.at !== this.tokens.length) throw new Error('trailing input');
  }

  private peek(): string | undefined {
    return this.tokens[this.at]?.text;
  }

  private take(): { text: string; time?: string } {
    const token = this.tokens[this.at++];
    if (!token) throw new Error('unexpected end');
    return token;
  }

  or(): boolean {
    let value = this.and();
    while (this.peek() === '||') {
      this.take();
      value = this.and() || value;
    }
    return value;
  }

  private and(): boolean {
    let value = this.unary();
    while (this.peek() === '&&') {
      this.take();
      value = this.unary() && value;
    }
    return value;
  }

  private unary(): boolean {
    if (this.peek() === '!') {
      this.take();
      return !this.unary();
    }
    return this.atom();
  }

  private atom(): boolean {
    const token = this.take();
    if (token.text === '(') {
      const value = this.or();
      if (this.take().text !== ')') throw new Error('expected )');
      return value;
    }
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    const left = this.time(token);
    const op = this.take().text;
    const right = this.time(this.take());
    switch (op) {
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '>=':
        return left >= right;
      default:
        throw new Error(`unsupported operator ${op}`);
    }
  }

  private time(token: { text: string; time?: string }): number {
    if (token.text === 'request.time') return this.now.getTime();
    if (token.text === 'timestamp') {
      const parsed = Date.parse(token.time ?? '');
      if (Number.isNaN(parsed)) throw new Error('bad timestamp');
      return parsed;
    }
    throw new Error(`unsupported operand ${token.text}`);
  }
}
