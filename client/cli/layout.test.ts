import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { layTable, MIN_COLUMNS, paragraph, PIPED, terminalOf, width, wrap, type Column } from './layout.js';

describe('wrap', () => {
  it('breaks at spaces, keeps the spacing within a line, and never splits an id', () => {
    assert.deepEqual(wrap('one two three four', 10), ['one two', 'three four']);
    assert.deepEqual(wrap('high  splunk/notable-42', 30), ['high  splunk/notable-42']);
    assert.deepEqual(wrap('key AKIAAAAAAAAAAAAAAAA1 of alice', 10), ['key', 'AKIAAAAAAAAAAAAAAAA1', 'of alice']);
  });

  it('measures CJK and emoji as two columns and breaks text without spaces between graphemes', () => {
    assert.deepEqual(wrap('東京リージョンから', 8), ['東京リー', 'ジョンか', 'ら']);
    assert.deepEqual(wrap('ok 👩‍💻👩‍💻👩‍💻', 5), ['ok 👩‍💻', '👩‍💻👩‍💻'], 'what is left of a line is filled first');
    assert.equal(width('👩‍💻'), 2, 'a ZWJ sequence is one glyph');
    assert.equal(width('é'), 1, 'a combining accent takes no column');
  });

  it('keeps the text on one line when piped', () => {
    assert.deepEqual(wrap('a  b\nc'), ['a  b c']);
    assert.deepEqual(paragraph('a '.repeat(100), PIPED, 2), [`  ${'a '.repeat(100)}`]);
  });
});

describe('terminalOf', () => {
  it('is plain and unbounded when piped, sized and coloured on a terminal unless NO_COLOR', () => {
    assert.deepEqual(terminalOf({ isTTY: false, columns: 80 }, {}), PIPED);
    assert.deepEqual(terminalOf({ isTTY: true, columns: 132 }, {}), { columns: 132, color: true });
    assert.deepEqual(terminalOf({ isTTY: true, columns: 132 }, { NO_COLOR: '1' }), { columns: 132, color: false });
    assert.deepEqual(terminalOf({ isTTY: true }, { TERM: 'dumb' }), { columns: 80, color: false });
  });
});

describe('layTable', () => {
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'DESCRIPTION', wrap: true, min: 16 },
    { header: 'STATE', wrap: true, min: 16, under: 1 },
  ];
  const rows = [
    ['aws:deactivate-key:AKIA1', 'Deactivate access key AKIA1 of IAM user alice in 123456789012', 'shows it Active'],
    ['gcp:x', 'short', ''],
  ];

  it('prints every row on one line at its natural width when piped, without trailing spaces', () => {
    assert.deepEqual(layTable(columns, rows, { terminal: PIPED }), [
      'ID                        DESCRIPTION                                                    STATE',
      'aws:deactivate-key:AKIA1  Deactivate access key AKIA1 of IAM user alice in 123456789012  shows it Active',
      'gcp:x                     short',
    ]);
  });

  it('wraps the description to fit, and parts rows that take several lines', () => {
    assert.deepEqual(layTable(columns, rows, { terminal: { columns: 72, color: false } }), [
      'ID                        DESCRIPTION                    STATE',
      'aws:deactivate-key:AKIA1  Deactivate access key AKIA1    shows it Active',
      '                          of IAM user alice in',
      '                          123456789012',
      '',
      'gcp:x                     short',
    ]);
  });

  it('moves a column under its row before squeezing the rest below their narrowest', () => {
    assert.deepEqual(layTable(columns, rows, { terminal: { columns: 50, color: false } }), [
      'ID                        DESCRIPTION',
      'aws:deactivate-key:AKIA1  Deactivate access key',
      '                          AKIA1 of IAM user alice',
      '                          in 123456789012',
      '                          state: shows it Active',
      '',
      'gcp:x                     short',
    ]);
  });

  it('stacks one field a line when not even the kept columns fit, an id too wide for beside its label under it', () => {
    const long = [['aws:deny-user-sessions:123456789012/alice', 'Attach a deny-all', 'in place']];
    assert.deepEqual(layTable(columns, long, { terminal: { columns: 40, color: false } }), [
      'id',
      '  aws:deny-user-sessions:123456789012/alice',
      'description  Attach a deny-all',
      'state        in place',
    ]);
  });

  it('heads rows with their group when the group column does not fit', () => {
    const grouped: Column[] = [
      { header: 'PRINCIPAL', wrap: true, min: 30, group: true },
      { header: 'STEP', wrap: true, min: 30 },
    ];
    const text = layTable(
      grouped,
      [
        ['IAM user alice (123456789012)', 'Deactivate access key AKIA1'],
        ['', 'Delete access key AKIA1'],
      ],
      { terminal: { columns: 50, color: false } },
    );
    assert.deepEqual(text, [
      '  STEP',
      'IAM user alice (123456789012)',
      '  Deactivate access key AKIA1',
      '  Delete access key AKIA1',
    ]);
  });

  it('styles kept cells on a colour terminal only, and measures them without the escapes', () => {
    const styled: Column[] = [{ header: 'STATUS', style: (cell) => `\u001b[31m${cell}\u001b[39m` }, { header: 'ID' }];
    const [, row] = layTable(styled, [['✘ failed', 'x']], { terminal: { columns: 80, color: true } });
    assert.equal(row, '\u001b[31m✘ failed\u001b[39m  x');
    assert.equal(layTable(styled, [['✘ failed', 'x']], { terminal: { columns: 80, color: false } })[1], '✘ failed  x');
  });
});

/** Graphemes whose width a terminal gives them, independent of string-width: what the property measures with. */
const GLYPHS: { text: string; columns: number }[] = [
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((text) => ({ text, columns: 1 })),
  ...'東京山田太郎不審なアクセス'.split('').map((text) => ({ text, columns: 2 })),
  { text: '🚨', columns: 2 },
  { text: '🔥', columns: 2 },
  { text: '👩‍💻', columns: 2 },
  { text: 'e\u0301', columns: 1 },
];
const KNOWN = new Map(GLYPHS.map((g) => [g.text, g.columns]));
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** A line's width counted grapheme by grapheme from GLYPHS (anything else, ASCII, one column). */
const columnsOf = (line: string) =>
  [...graphemes.segment(line)].reduce((sum, { segment }) => sum + (KNOWN.get(segment) ?? 1), 0);

const word = fc
  .array(fc.constantFrom(...GLYPHS), { minLength: 1, maxLength: 14 })
  .map((glyphs) => glyphs.map((g) => g.text).join(''));
/** An id: ASCII with the punctuation ids carry, never to be split; at most 24 columns, so it fits any terminal of MIN_COLUMNS. */
const id = fc
  .tuple(fc.constantFrom('aws:', 'entra:', 'gcp:', 'INC-', 'contain/p.'), fc.stringMatching(/^[A-Z0-9a-z:/@.-]{1,14}$/))
  .map(([prefix, rest]) => prefix + rest);
const text = fc.array(fc.oneof(word, id), { maxLength: 12 }).map((words) => words.join(' '));

const tables = fc
  .array(
    fc.record({
      header: fc.stringMatching(/^[A-Z]{1,10}$/),
      wrap: fc.boolean(),
      under: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      min: fc.option(fc.integer({ min: 4, max: 30 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .chain((columns) =>
    fc.record({
      columns: fc.constant(columns.map((c, i): Column => ({ ...c, group: i === 0 && c.wrap }))),
      rows: fc.array(
        fc.tuple(...columns.map((c) => (c.wrap ? text : id))).map((cells) => ({ cells, details: [] as string[] })),
        { maxLength: 6 },
      ),
      columns_: fc.integer({ min: MIN_COLUMNS, max: 250 }),
      indent: fc.integer({ min: 0, max: 4 }),
    }),
  );

describe('layTable, for any table and any terminal of at least MIN_COLUMNS', () => {
  it('prints no line wider than the terminal, counting CJK and emoji as two columns', () => {
    fc.assert(
      fc.property(tables, ({ columns, rows, columns_, indent }) => {
        const lines = layTable(columns, rows, { terminal: { columns: columns_, color: false }, indent });
        for (const line of lines) {
          assert.ok(columnsOf(line) <= columns_, `${columnsOf(line)} > ${columns_}: ${JSON.stringify(line)}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never splits an id: each is whole on some line', () => {
    fc.assert(
      fc.property(tables, ({ columns, rows, columns_, indent }) => {
        const lines = layTable(columns, rows, { terminal: { columns: columns_, color: false }, indent });
        const printed = new Set(lines.flatMap((line) => line.split(/\s+/)));
        for (const row of rows) {
          for (const cell of row.cells) {
            for (const token of cell.split(' ')) {
              if (/^[\x21-\x7e]+$/.test(token)) assert.ok(printed.has(token), `${token} was split or lost`);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
