// The incident's short handle (issue 17): `INC-` and six Crockford base32 characters, computed from the incident's
// workflow id and its first run id, so the playbook and every client derive the same one, and a later incident
// under the same workflow id (the same principals, after the first closed) has its own. Pure, for the workflow
// sandbox.

/** Crockford's base32: no I, L, O or U, so a handle read aloud or retyped survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 6;

export const HANDLE_PREFIX = 'INC-';
/** What `parseHandle` accepts: a handle in any case, with Crockford's look-alikes (I, L → 1; O → 0). */
const LOOSE = /^inc-?([0-9a-z]{6})$/i;

/** 64-bit FNV-1a of the text's code points, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const char of text) {
    hash ^= BigInt(char.codePointAt(0) ?? 0);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** `INC-7F3K2Q`: the handle of the incident that first ran as `firstRunId` under `workflowId`. */
export function incidentHandle(workflowId: string, firstRunId: string): string {
  let value = BigInt(`0x${fnv1a64(`${workflowId}#${firstRunId}`)}`);
  let code = '';
  for (let i = 0; i < LENGTH; i += 1) {
    code = `${ALPHABET[Number(value & 31n)] ?? '0'}${code}`;
    value >>= 5n;
  }
  return `${HANDLE_PREFIX}${code}`;
}

/** The canonical handle `text` names (`inc-7f3k2q`, `INC7F3K2Q`, `INC-7F3K2O`), or undefined when it names none. */
export function parseHandle(text: string): string | undefined {
  const match = LOOSE.exec(text.trim());
  if (!match?.[1]) return undefined;
  const code = match[1].toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]+$/.test(code) ? `${HANDLE_PREFIX}${code}` : undefined;
}
