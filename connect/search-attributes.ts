// Registers Revoker's search attributes on a namespace that lacks some. The dev server registers its
// `--search-attribute` flags only when it creates its database, so a `.revoker` state made by an older Revoker lacks
// the attributes added since (RevokerWatch, RevokerHandle), and a playbook that upserts one fails its workflow task.
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';

// @temporalio/proto is CommonJS: its namespace comes in as the default export.
const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Adds the search attributes `namespace` lacks, and returns their names (none: nothing was missing). */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
  if (!missing.length) return [];
  const searchAttributes = Object.fromEntries(
    missing.map((key) => {
      const type = INDEXED[key.type];
      if (type === undefined) throw new Error(`no indexed type for search attribute ${key.name} (${key.type})`);
      return [key.name, type];
    }),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map((key) => key.name);
}
