// docs/configuration.md lists every environment variable the code reads, and nothing else: this test extracts the
// names from the sources and from the page and names each difference, with the file that reads the variable.
// Adding a variable costs a row in the page, nothing here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGE = 'docs/configuration.md';

/** Folders that hold no source of ours. */
const SKIPPED = new Set(['node_modules', 'dist', 'test-results', '.revoker', '.git', 'tools']);
const SOURCE = /\.(ts|mts|mjs|js)$/;
/** readSecrets itself: its reads are counted at each call (`readSecrets(env, 'NAME')` reads NAME and NAME_FILE). */
const HELPERS = new Set(['connect/secrets.ts']);

/** Files only tests and development read from: their variables go in the page's test-and-development section. */
export function isTestOrDev(file: string): boolean {
  return (
    /\.test\.ts$/.test(file) ||
    /\.reliability\.ts$/.test(file) ||
    /^(test|testing|bench)\//.test(file) ||
    /^scripts\/(test|reliability|bench)\.mjs$/.test(file) ||
    file === 'scripts/record-histories.ts' ||
    file === 'scripts/ensure-go-tool.mjs'
  );
}

export interface EnvRead {
  /** The variable's name; a pattern ends with its literal tail, e.g. `*_TOKEN` for `${prefix}_TOKEN`. */
  name: string;
  file: string;
}

/** A template literal's tail after its last substitution, as the pattern `*_TAIL`. */
function templateName(template: string): string | undefined {
  const tail = /\}([A-Z0-9_]*)$/.exec(template)?.[1];
  return tail ? `*${tail}` : undefined;
}

/** The top-level keys of a zod `z.object({...})` assigned to a const whose name says Env (`const Env = z.object(`). */
function envSchemaKeys(text: string): string[] {
  const keys: string[] = [];
  for (const start of text.matchAll(/const \w*Env\w*\s*=\s*z\s*\.object\(\{/g)) {
    let depth = 0;
    let index = start.index + start[0].length - 1;
    const from = index;
    for (; index < text.length; index += 1) {
      if (text[index] === '{') depth += 1;
      else if (text[index] === '}' && --depth === 0) break;
    }
    for (const key of text.slice(from, index).matchAll(/^\s*([A-Z][A-Z0-9_]+)\s*:/gm)) keys.push(key[1]!);
  }
  return keys;
}

/**
 * The variables one source file reads: `env.NAME` / `env?.NAME` / `process.env.NAME`, `env['NAME']`, the keys of an
 * `Env` zod schema, `readSecrets(env, 'NAME')` (NAME and NAME_FILE), `{ env: 'NAME' }` tables of variables read by
 * name; `${prefix}_TAIL` names as patterns. `dynamic` holds `env[expression]` reads the page must name verbatim.
 */
export function readsOf(file: string, text: string): { names: string[]; dynamic: string[] } {
  const names: string[] = [];
  const dynamic: string[] = [];
  const code = text.replace(/^\s*(\/\/|\*).*$/gm, '');
  // A write (`env.X = …`) or `delete env.X` reads nothing: a child's environment, a test's clean slate.
  for (const m of code.matchAll(/(\bdelete\s+)?(?:process\.)?\benv\??\.([A-Z][A-Z0-9_]+)\b(?!\s*=[^=])/g)) {
    if (!m[1]) names.push(m[2]!);
  }
  for (const m of code.matchAll(/\benv\[\s*(['"])([A-Z][A-Z0-9_]+)\1\s*\]/g)) names.push(m[2]!);
  for (const m of code.matchAll(/\benv\[\s*`([^`]+)`\s*\]/g)) {
    const pattern = templateName(m[1]!);
    if (pattern) names.push(pattern);
  }
  for (const m of code.matchAll(/\breadSecrets\(\s*\w+,\s*(['"`])([^'"`]+)\1\s*\)/g)) {
    const base = m[1] === '`' ? templateName(m[2]!) : m[2]!;
    if (base) names.push(base, `${base}_FILE`);
  }
  for (const m of code.matchAll(/\benv:\s*'([A-Z][A-Z0-9_]+)'/g)) names.push(m[1]!);
  names.push(...envSchemaKeys(code));
  for (const m of code.matchAll(/\benv\[\s*([a-zA-Z_][\w.]*)\s*\]/g)) {
    if (!isTestOrDev(file)) dynamic.push(`env[${m[1]!}]`);
  }
  return { names, dynamic };
}

function sourceFiles(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIPPED.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry) && !entry.endsWith('.d.mts') && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Every variable the sources read, with the files that read it. */
export function codeReads(): { reads: Map<string, string[]>; dynamic: Map<string, string[]> } {
  const reads = new Map<string, string[]>();
  const dynamic = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, file: string) => {
    const files = map.get(key) ?? [];
    if (!files.includes(file)) files.push(file);
    map.set(key, files);
  };
  for (const path of sourceFiles()) {
    const file = relative(ROOT, path).split('\\').join('/');
    if (file === 'test/configuration-docs.test.ts' || HELPERS.has(file)) continue;
    const found = readsOf(file, readFileSync(path, 'utf8'));
    for (const name of found.names) add(reads, name, file);
    for (const expression of found.dynamic) add(dynamic, expression, file);
  }
  return { reads, dynamic };
}

export interface PageRow {
  /** The name, a pattern as `*TAIL`. */
  name: string;
  /** The name as the page writes it, e.g. `TEMPORAL_GRPC_META_<KEY>`. */
  written: string;
  section: string;
  /** The package that reads it, for the rows of the tables with a "Read by" column: that column. */
  library?: string;
  line: number;
}

/**
 * The page's rows: the first cell of every table row whose first cell is a code span holding an upper-case name
 * (`<...>` parts make it a pattern: `REVOKER_<SOURCE>_TOKEN` is `*_TOKEN`). A table with a "Read by" column lists
 * what a library reads: that column names the package.
 */
export function pageRows(markdown: string): PageRow[] {
  const rows: PageRow[] = [];
  let section = '';
  let readByColumn = -1;
  markdown.split('\n').forEach((line, index) => {
    const heading = /^#{2,3}\s+(.*)$/.exec(line);
    if (heading) {
      section = heading[1]!.trim();
      readByColumn = -1;
      return;
    }
    if (!line.startsWith('|')) {
      readByColumn = -1;
      return;
    }
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    const header = cells.findIndex((cell) => /^read by$/i.test(cell));
    if (header >= 0) readByColumn = header;
    const name = /^`([A-Z][A-Z0-9_<>]*)`$/.exec(cells[0] ?? '')?.[1];
    if (!name) return;
    const library = readByColumn >= 0 ? cells[readByColumn]?.replace(/`/g, '') : undefined;
    rows.push({
      name: name.includes('<') ? `*${/>([A-Z0-9_]*)$/.exec(name)?.[1] ?? ''}` : name,
      written: name,
      section,
      line: index + 1,
      ...(library ? { library } : {}),
    });
  });
  return rows;
}

const isTestSection = (section: string) => /test/i.test(section);

/** Whether a package's installed JavaScript mentions `name` (the variable a library row says it reads). */
function libraryReads(pkg: string, name: string): boolean {
  const dir = join(ROOT, 'node_modules', pkg);
  if (!existsSync(dir)) return false;
  const search = (folder: string): boolean =>
    readdirSync(folder).some((entry) => {
      if (entry === 'node_modules') return false;
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) return search(path);
      return /\.(c?js|mjs)$/.test(entry) && readFileSync(path, 'utf8').includes(name);
    });
  return search(dir);
}

/** The differences between the code and the page, one sentence each; empty when they agree. */
export function differences(
  code: { reads: Map<string, string[]>; dynamic: Map<string, string[]> },
  markdown: string,
  libraryHas: (pkg: string, name: string) => boolean = libraryReads,
): string[] {
  const rows = pageRows(markdown);
  const problems: string[] = [];
  const documented = new Map<string, PageRow[]>();
  for (const row of rows) documented.set(row.name, [...(documented.get(row.name) ?? []), row]);

  for (const [name, files] of code.reads) {
    const shown = name.startsWith('*') ? `a variable ending ${name.slice(1)}` : name;
    const production = files.filter((file) => !isTestOrDev(file));
    const all = documented.get(name) ?? [];
    const own = all.filter((row) => !row.library);
    if (!all.length) {
      problems.push(
        `${shown} is read by ${files.join(', ')} but has no row in ${PAGE}: add one to the section of the process that reads it` +
          (production.length ? '' : ' (the tests-and-development section: only tests or development scripts read it)'),
      );
      continue;
    }
    if (production.length && own.length === all.length && own.every((row) => isTestSection(row.section))) {
      problems.push(
        `${shown} is read by production code (${production.join(', ')}) but ${PAGE} lists it only under "${own[0]!.section}": move its row to the section of the process that reads it`,
      );
    }
    if (!production.length && own.length === all.length && own.every((row) => !isTestSection(row.section))) {
      problems.push(
        `${shown} is read only by tests or development scripts (${files.join(', ')}) but ${PAGE} lists it under "${own[0]!.section}": move its row to the tests-and-development section`,
      );
    }
  }
  for (const row of rows) {
    if (row.library) {
      // A pattern's fixed start: envconfig reads TEMPORAL_GRPC_META_<KEY> by that prefix.
      if (!libraryHas(row.library, row.written.split('<')[0]!)) {
        problems.push(
          `${PAGE}:${row.line} says ${row.library} reads ${row.written}, but no JavaScript of node_modules/${row.library} names it`,
        );
      }
    } else if (!code.reads.has(row.name)) {
      problems.push(
        `${PAGE}:${row.line} documents ${row.name.startsWith('*') ? `a variable ending ${row.name.slice(1)}` : row.name}, which no code reads: remove the row, or move it to a table with a "Read by" column naming the package that reads it`,
      );
    }
  }
  for (const [expression, files] of code.dynamic) {
    if (!markdown.includes(`\`${expression}\``)) {
      problems.push(
        `${files.join(', ')} reads the variable \`${expression}\` names: say in ${PAGE} which variables that is, quoting \`${expression}\``,
      );
    }
  }
  return problems;
}

describe('docs/configuration.md', () => {
  it('lists every environment variable the code reads, and only those', () => {
    const problems = differences(codeReads(), readFileSync(join(ROOT, PAGE), 'utf8'));
    assert.deepEqual(problems, [], `\n${problems.join('\n')}\n`);
  });

  it('names the variable and the file that reads it when a row is missing', () => {
    const code = {
      reads: new Map([
        ['REVOKER_QUEUES', ['worker/main.ts']],
        ['REVOKER_FUZZ_RUNS', ['client/webhook/intake-fuzz.test.ts']],
      ]),
      dynamic: new Map(),
    };
    const page = ['## Worker', '| Variable | Meaning |', '| --- | --- |', '| `REVOKER_QUEUES` | queues |'].join('\n');
    assert.deepEqual(differences(code, page), [
      `REVOKER_FUZZ_RUNS is read by client/webhook/intake-fuzz.test.ts but has no row in ${PAGE}: add one to the section of the process that reads it (the tests-and-development section: only tests or development scripts read it)`,
    ]);
    assert.deepEqual(
      differences({ reads: new Map([['REVOKER_QUEUES', ['worker/main.ts']]]), dynamic: new Map() }, '## Worker\n'),
      [
        `REVOKER_QUEUES is read by worker/main.ts but has no row in ${PAGE}: add one to the section of the process that reads it`,
      ],
    );
  });

  it('refuses a row no code reads, a production variable filed under tests, and a library that does not read it', () => {
    const code = { reads: new Map([['REVOKER_QUEUES', ['worker/main.ts']]]), dynamic: new Map() };
    const page = [
      '## Tests and development only',
      '| Variable | Meaning |',
      '| `REVOKER_QUEUES` | queues |',
      '| `REVOKER_GONE` | removed |',
      '',
      '| Variable | Read by | Meaning |',
      '| `TEMPORAL_NOT_A_SETTING` | `@temporalio/envconfig` | no |',
      '| `TEMPORAL_API_KEY` | `@temporalio/envconfig` | yes |',
    ].join('\n');
    assert.deepEqual(differences(code, page), [
      `REVOKER_QUEUES is read by production code (worker/main.ts) but ${PAGE} lists it only under "Tests and development only": move its row to the section of the process that reads it`,
      `${PAGE}:4 documents REVOKER_GONE, which no code reads: remove the row, or move it to a table with a "Read by" column naming the package that reads it`,
      `${PAGE}:7 says @temporalio/envconfig reads TEMPORAL_NOT_A_SETTING, but no JavaScript of node_modules/@temporalio/envconfig names it`,
    ]);
  });

  it('reads the names from each way the code reads a variable', () => {
    const text = [
      'const Env = z.object({',
      '  REVOKER_A: z.string(),',
      '  REVOKER_B: z.object({ nested: z.string() }),',
      '});',
      'const x = process.env.REVOKER_C ?? env?.REVOKER_D;',
      "const y = env['REVOKER_E'] ?? readSecrets(env, 'REVOKER_F');",
      'const z2 = readSecrets(env, `${prefix}_TOKEN`) && env[`${prefix}_SUBJECTS`];',
      "const table = { kube: { env: 'KUBE_PATH' } }; const v = env[own.clientSecretEnv];",
      '// env.REVOKER_IN_A_COMMENT is not a read',
      'delete env.REVOKER_DELETED; process.env.REVOKER_WRITTEN = "x"; if (env.REVOKER_COMPARED === "1") {}',
    ].join('\n');
    const found = readsOf('worker/x.ts', text);
    assert.deepEqual(
      [...found.names].sort(),
      [
        '*_SUBJECTS',
        '*_TOKEN',
        '*_TOKEN_FILE',
        'KUBE_PATH',
        'REVOKER_A',
        'REVOKER_COMPARED',
        'REVOKER_B',
        'REVOKER_C',
        'REVOKER_D',
        'REVOKER_E',
        'REVOKER_F',
        'REVOKER_F_FILE',
      ].sort(),
    );
    assert.deepEqual(found.dynamic, ['env[own.clientSecretEnv]']);
  });
});
