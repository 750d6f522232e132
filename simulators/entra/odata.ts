import { badRequest, GraphError } from './graph-errors.js';
import type { GraphCall } from './graph-call.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;

export interface QueryOptions {
  readonly select?: readonly string[];
  readonly top?: number;
  readonly skiptoken?: string;
  readonly filter?: { readonly property: string; readonly value: string };
}

/** Query options each route accepts; anything else starting with `$` is refused rather than silently ignored. */
export interface QuerySupport {
  readonly select?: boolean;
  readonly paging?: boolean;
  /** Properties `$filter=<property> eq '<value>'` may name. */
  readonly filter?: readonly string[];
}

const FILTER = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i;

export function parseQuery(call: GraphCall, support: QuerySupport): QueryOptions {
  const options: { select?: string[]; top?: number; skiptoken?: string; filter?: { property: string; value: string } } =
    {};
  for (const [name, value] of call.query) {
    if (!name.startsWith('$')) continue;
    const option = name.toLowerCase();
    if (option === '$select' && support.select) {
      options.select = value
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
    } else if (option === '$top' && support.paging) {
      const top = Number(value);
      if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
        throw badRequest(`Invalid page size specified: '${value}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
      }
      options.top = top;
    } else if (option === '$skiptoken' && support.paging) {
      options.skiptoken = value;
    } else if (option === '$filter' && support.filter) {
      const match = FILTER.exec(value);
      const property = support.filter.find((p) => p.toLowerCase() === match?.[1]?.toLowerCase());
      if (!match || property === undefined) {
        throw badRequest(
          `Unsupported or invalid filter clause '${value}'. The simulator supports "<property> eq '<value>'" on: ${support.filter.join(', ')}.`,
        );
      }
      options.filter = { property, value: (match[2] ?? '').replace(/''/g, "'") };
    } else {
      throw new GraphError(
        400,
        'BadRequest',
        `Query option '${name}' is not supported on this resource by the Revoker Entra simulator.`,
      );
    }
  }
  return options;
}

/** Applies `$select` (validated against the type's properties) or returns the default property set. */
export function project(
  entity: Record<string, unknown>,
  select: readonly string[] | undefined,
  typeName: string,
  defaults: readonly string[] = Object.keys(entity),
): Record<string, unknown> {
  const wanted = select ?? defaults;
  const known = new Map(Object.keys(entity).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const property of wanted) {
    const name = known.get(property.toLowerCase());
    if (name === undefined) {
      throw badRequest(
        `Parsing OData Select and Expand failed: Could not find a property named '${property}' on type 'microsoft.graph.${typeName}'.`,
      );
    }
    out[name] = entity[name];
  }
  return out;
}

/** `…/$metadata#users/$entity`, `…/$metadata#users(id,accountEnabled)/$entity`. */
export function entityContext(call: GraphCall, entitySet: string, select: readonly string[] | undefined): string {
  const selected = select ? `(${select.join(',')})` : '';
  return `${call.graphBase}/$metadata#${entitySet}${selected}/$entity`;
}

export function collectionContext(call: GraphCall, entitySet: string, select: readonly string[] | undefined): string {
  const selected = select ? `(${select.join(',')})` : '';
  return `${call.graphBase}/$metadata#${entitySet}${selected}`;
}

const encodeCursor = (id: string): string => Buffer.from(`after:${id}`, 'utf8').toString('base64url');

function decodeCursor(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith('after:')) throw badRequest(`Invalid $skiptoken '${token}'.`);
  return decoded.slice('after:'.length);
}

/**
 * Pages a collection ordered by id. The skiptoken is a cursor (the last id returned), so deleting items between
 * page requests neither skips nor repeats the others — as with Graph's opaque tokens.
 */
export function page<T extends { id: string }>(
  call: GraphCall,
  items: readonly T[],
  options: QueryOptions,
): { items: T[]; nextLink?: string } {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const after = options.skiptoken === undefined ? undefined : decodeCursor(options.skiptoken);
  const remaining = after === undefined ? sorted : sorted.filter((item) => item.id > after);
  const size = options.top ?? DEFAULT_PAGE_SIZE;
  const pageItems = remaining.slice(0, size);
  const last = pageItems[pageItems.length - 1];
  if (remaining.length <= size || last === undefined) return { items: pageItems };
  const params: string[] = [];
  for (const [name, value] of call.query) {
    if (name.toLowerCase() !== '$skiptoken') params.push(`${name}=${encodeURIComponent(value)}`);
  }
  params.push(`$skiptoken=${encodeCursor(last.id)}`);
  return { items: pageItems, nextLink: `${call.graphBase}${call.path}?${params.join('&')}` };
}
