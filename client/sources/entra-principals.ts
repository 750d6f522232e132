import { Principal, principalKey } from '../../domain/principal.js';
import { UnmappableAlert, type MissingField } from './source-adapter.js';

// What the Microsoft adapters (sentinel, defender, entra-id-protection) share: Entra identifiers
// and the collecting of principals from a vendor's entities or evidence.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID.test(value);

/** A user principal name from an entity's name and UPN suffix, or the name when it already is one. */
export function upnOf(name: string | null | undefined, suffix: string | null | undefined): string | undefined {
  if (!name) return undefined;
  if (name.includes('@')) return name;
  return suffix ? `${name}@${suffix}` : undefined;
}

/**
 * The principals an alert names, each checked against the domain schema as it is added so that one
 * odd entity (a guest UPN with `#EXT#`, a tenant id that is not a GUID) is skipped with its field
 * named instead of refusing the whole alert; duplicates (by principal key) are dropped.
 */
export class PrincipalCollector {
  readonly principals: Principal[] = [];
  private readonly skipped: MissingField[] = [];
  private readonly keys = new Set<string>();

  add(field: string, candidate: Principal): void {
    const parsed = Principal.safeParse(candidate);
    if (!parsed.success) {
      this.skip(field, `cannot contain it: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
      return;
    }
    const key = principalKey(parsed.data);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.principals.push(parsed.data);
  }

  skip(field: string, message: string): void {
    this.skipped.push({ field, message });
  }

  /** The principals found, or UnmappableAlert naming `field` and why each candidate was skipped. */
  orRefuse(field: string, message: string): Principal[] {
    if (this.principals.length > 0) return this.principals;
    throw new UnmappableAlert([{ field, message }, ...this.skipped]);
  }
}
