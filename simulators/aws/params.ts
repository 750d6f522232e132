import { validationError } from './errors.js';

/** Query-protocol messages name members in camelCase: `Value null at 'userName' failed to satisfy constraint`. */
const camel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

export const NAME_PATTERN = /^[\w+=,.@-]+$/;

/** Form parameters of an IAM/STS Query request. */
export class QueryParams {
  constructor(private readonly values: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.values.get(name) ?? undefined;
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) {
      throw validationError(
        `1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  /** Validates an IAM name-like member (user, role, policy, session names). */
  name(name: string, value: string, min: number, max: number): string {
    const field = camel(name);
    if (value.length < min || value.length > max) {
      const bound = value.length < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
      throw validationError(
        `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    if (!NAME_PATTERN.test(value)) {
      throw validationError(
        `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    }
    return value;
  }

  int(name: string, min: number, max: number): number | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    const field = camel(name);
    if (!Number.isInteger(value)) {
      throw validationError(
        `1 validation error detected: Value '${raw}' at '${field}' failed to satisfy constraint: Member must be an integer`,
      );
    }
    if (value < min || value > max) {
      const bound = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
      throw validationError(
        `1 validation error detected: Value '${raw}' at '${field}' failed to satisfy constraint: Member must have value ${bound}`,
      );
    }
    return value;
  }
}
