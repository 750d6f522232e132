// The docs tree holds together: every relative link and #anchor in README.md, CONTRIBUTING.md and docs/**/*.md
// resolves to a file of the repository and, for an anchor, to a heading of that page (GitHub's heading ids), and
// every page under docs/ can be reached from the README by following links.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The pages this test reads: the README, CONTRIBUTING.md and everything under docs/. */
export function docPages(root = ROOT): string[] {
  const pages = ['README.md', 'CONTRIBUTING.md'].filter((page) => existsSync(join(root, page)));
  const walk = (folder: string): void => {
    if (!existsSync(join(root, folder))) return;
    for (const name of readdirSync(join(root, folder)).sort()) {
      const path = `${folder}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages;
}

/** The page's lines outside fenced code blocks (``` or ~~~), each with its 1-based number. */
function proseLines(markdown: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && text.trim() === marker)
        fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    lines.push({ text, line: index + 1 });
  });
  return lines;
}

/** A line without its inline code spans (a link inside backticks is text, not a link). */
function withoutCode(text: string): string {
  return text.replace(/(`+)[^`]*?\1/g, (span) => ' '.repeat(span.length));
}

/** GitHub's id for a heading: lower case, markup and punctuation dropped, spaces to hyphens. */
export function headingId(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link keeps its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' ids (a repeated one gets -1, -2, …) and explicit `<a id>`/`name`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (id: string): void => {
    const count = seen.get(id) ?? 0;
    seen.set(id, count + 1);
    anchors.add(count === 0 ? id : `${id}-${count}`);
  };
  const lines = proseLines(markdown);
  lines.forEach(({ text }, index) => {
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    const next = lines[index + 1];
    if (atx) add(headingId(atx[1] ?? ''));
    else if (text.trim() && next && /^ {0,3}(=+|-+)\s*$/.test(next.text) && !/^\s*[-*|]/.test(text))
      add(headingId(text.trim()));
    for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id ?? '');
  });
  return anchors;
}

export interface Link {
  page: string;
  line: number;
  target: string;
}

/** The relative links of a page (inline and reference definitions), with where each is written. */
export function linksOf(page: string, markdown: string): Link[] {
  const links: Link[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const prose = withoutCode(text);
    for (const match of prose.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g))
      links.push({ page, line, target: (match[1] ?? '').replace(/^<|>$/g, '') });
    const definition = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (definition) links.push({ page, line, target: definition[1] ?? '' });
  }
  return links.filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//'));
}

/** Why a link does not resolve, or undefined when it does. */
export function brokenBecause(link: Link, root = ROOT): string | undefined {
  const [rawPath = '', ...rest] = link.target.split('#');
  const anchor = rest.join('#');
  const path = decodeURIComponent(rawPath);
  const file = path ? resolve(root, dirname(link.page), path) : resolve(root, link.page);
  if (file !== resolve(root) && !file.startsWith(resolve(root) + sep)) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (!anchor) return undefined;
  if (!file.endsWith('.md'))
    return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `an anchor on a file that is not a page`;
  if (statSync(file).isDirectory()) return 'an anchor on a folder';
  const anchors = anchorsOf(readFileSync(file, 'utf8'));
  return anchors.has(decodeURIComponent(anchor)) ? undefined : `${relative(root, file)} has no heading #${anchor}`;
}

describe('the docs links', () => {
  it('reads a heading as GitHub makes its id', () => {
    assert.equal(headingId('Microsoft Sentinel: `POST /alerts/sentinel`'), 'microsoft-sentinel-post-alertssentinel');
    assert.equal(
      headingId('The sweep and the watch: what the stolen token did, and proof that it stays dead'),
      'the-sweep-and-the-watch-what-the-stolen-token-did-and-proof-that-it-stays-dead',
    );
    assert.equal(headingId('Splunk (`POST /alerts/splunk`)'), 'splunk-post-alertssplunk');
    assert.deepEqual(
      [...anchorsOf('# A\n\n## Setup\n\n```\n# not a heading\n```\n\n### Setup\n')],
      ['a', 'setup', 'setup-1'],
    );
  });

  it('finds a broken link and a missing anchor, and passes a good one', () => {
    const page = 'README.md';
    const links = linksOf(
      page,
      '[ok](CONTRIBUTING.md) [gone](docs/nowhere.md) `[code](x.md)` [web](https://x.example)',
    );
    assert.deepEqual(
      links.map((link) => link.target),
      ['CONTRIBUTING.md', 'docs/nowhere.md'],
    );
    assert.equal(brokenBecause({ page, line: 1, target: 'docs/nowhere.md' }), 'docs/nowhere.md does not exist');
    assert.match(brokenBecause({ page, line: 1, target: '#no-such-heading' }) ?? '', /README.md has no heading/);
    assert.equal(brokenBecause({ page, line: 1, target: '#two-commands' }), undefined);
  });

  for (const page of docPages()) {
    it(`every relative link and anchor in ${page} resolves`, () => {
      const broken = linksOf(page, readFileSync(join(ROOT, page), 'utf8')).flatMap((link) => {
        const why = brokenBecause(link);
        return why ? [`${link.page}:${link.line}: (${link.target}) ${why}`] : [];
      });
      assert.deepEqual(broken, []);
    });
  }

  it('reaches every page under docs/ from the README', () => {
    const reached = new Set<string>(['README.md']);
    const queue = ['README.md'];
    for (let page = queue.shift(); page; page = queue.shift()) {
      if (!page.endsWith('.md') || !existsSync(join(ROOT, page))) continue;
      for (const link of linksOf(page, readFileSync(join(ROOT, page), 'utf8'))) {
        const path = decodeURIComponent(link.target.split('#')[0] ?? '');
        if (!path) continue;
        const target = relative(ROOT, resolve(ROOT, dirname(page), path))
          .split(sep)
          .join('/');
        if (!reached.has(target)) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    const unreached = docPages().filter((page) => !reached.has(page));
    assert.deepEqual(unreached, [], 'pages no link from the README leads to');
  });
});
