import { validationError } from './errors.js';
import type { QueryParams } from './params.js';

export interface Page<T> {
  readonly items: T[];
  readonly isTruncated: boolean;
  readonly marker?: string;
}

/** IAM list pagination: MaxItems (1-1000, default 100) and an opaque Marker echoed back when IsTruncated. */
export function paginate<T>(items: readonly T[], params: QueryParams): Page<T> {
  const maxItems = params.int('MaxItems', 1, 1000) ?? 100;
  const markerText = params.get('Marker');
  let offset = 0;
  if (markerText !== undefined) {
    const decoded = Number(
      Buffer.from(markerText, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) throw validationError('Invalid Marker.');
    offset = decoded;
  }
  const slice = items.slice(offset, offset + maxItems);
  const next = offset + slice.length;
  return next < items.length
    ? { items: slice, isTruncated: true, marker: Buffer.from(`offset:${next}`).toString('base64url') }
    : { items: slice, isTruncated: false };
}
