import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

/** The versioned JSON document a simulator persists its sandbox as. */
export interface StateFileFormat<Schema extends z.ZodType> {
  /** e.g. `revoker-aws-simulator-state/v1`. */
  readonly format: string;
  /** Names the simulator in errors, e.g. `AWS`. */
  readonly simulator: string;
  readonly schema: Schema;
}

/** Returns undefined when the file does not exist yet (first start seeds instead). */
export function readStateFile<Schema extends z.ZodType>(
  path: string,
  { format, simulator, schema }: StateFileFormat<Schema>,
): z.output<Schema> | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${simulator} simulator state file ${path} is not a ${format} document: ${parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * Write-then-rename so a crash mid-write never leaves a truncated state file; mode 0600 because the document
 * may hold secrets the admin views never show.
 */
export function writeStateFile(path: string, document: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
