import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/**
 * The values of `name` (one or a comma-separated list) followed by those of the file `${name}_FILE`
 * names (one per line, or comma-separated): the shape of every secret Revoker reads.
 */
export function readSecrets(env: Env, name: string): string[] {
  const values = splitSecrets(env[name] ?? '');
  const file = env[`${name}_FILE`];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // The path is configuration, not a secret; the file's contents never appear in messages.
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new Error(`cannot read ${name}_FILE (${file}): ${code}`, { cause: error });
    }
    const fromFile = splitSecrets(text);
    if (fromFile.length === 0) throw new Error(`${name}_FILE (${file}) is empty`);
    values.push(...fromFile);
  }
  return values;
}

function splitSecrets(text: string): string[] {
  return text
    .split(/[,\r\n]/)
    .map((value) => value.trim())
    .filter(Boolean);
}
