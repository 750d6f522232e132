// Finding the programs the ensure scripts build with or install: one definition for all of them.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first `name` in a directory of PATH, or undefined. */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The Go toolchain: `go` on PATH, or where Go's own installer puts it. */
export function findGo() {
  return onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}
