import stringWidth from 'string-width';

/**
 * Where the CLI's text goes. On a terminal, tables fit its width and headings may be styled; piped
 * (a file, `grep`, a script), every row stays on one line whatever the width, and nothing is styled.
 */
export interface Terminal {
  /** The terminal's width; absent when piped. */
  columns?: number;
  /** ANSI styling: on a terminal only, and not under NO_COLOR (https://no-color.org). */
  color: boolean;
}

export const PIPED: Terminal = { color: false };

/**
 * Below this many columns a table is laid out as if the terminal were this wide: narrower, a stacked
 * layout would still have to break ids, and overflowing a few columns reads better than that.
 */
export const MIN_COLUMNS = 40;

/** The terminal `stream` writes to, as `process.stdout` describes it. */
export function terminalOf(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): Terminal {
  if (!stream.isTTY) return PIPED;
  const color = !env.NO_COLOR && env.TERM !== 'dumb';
  // A pseudo-terminal that reports no size (some CI runners) gets the classic 80.
  return { columns: stream.columns && stream.columns > 0 ? stream.columns : 80, color };
}

/** Columns the text takes on a terminal: CJK and emoji count two, combining marks and ANSI escapes none. */
export function width(text: string): number {
  return stringWidth(text);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * An id, handle, ARN, email or command argument: printable ASCII without spaces. Never split, so it can be
 * copied from the terminal; a word with other characters (CJK text has no spaces) may break between graphemes.
 */
function unbreakable(word: string): boolean {
  return /^[\x21-\x7e]+$/.test(word);
}

/** The narrowest column that holds every word of `text` without splitting an id. */
export function narrowest(text: string): number {
  let widest = 0;
  for (const word of words(text)) {
    if (unbreakable(word)) widest = Math.max(widest, width(word));
    else for (const { segment } of graphemes.segment(word)) widest = Math.max(widest, width(segment));
  }
  return widest;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * `text` in lines of at most `limit` columns, broken at spaces (the spacing within a line is kept). An
 * id longer than the limit stands alone on its line, whole; other over-long words break between
 * graphemes. With no limit (piped), one line.
 */
export function wrap(text: string, limit = Infinity): string[] {
  // Words at even indexes, the spaces before each at odd ones.
  const parts = text.replace(/\s/g, ' ').trim().split(/( +)/);
  if (limit === Infinity) return parts[0] ? [parts.join('')] : [];
  const lines: string[] = [];
  let current = '';
  let used = 0;
  const push = (word: string, wide: number, space: string) => {
    if (current && used + space.length + wide > limit) {
      lines.push(current);
      current = '';
      used = 0;
    }
    used += (current ? space.length : 0) + wide;
    current = current ? current + space + word : word;
  };
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i] ?? '';
    const space = parts[i - 1] ?? ' ';
    const wide = width(word);
    if (wide <= limit || unbreakable(word)) {
      push(word, wide, space);
      continue;
    }
    // Too wide and not an id: fill what is left of the line, then whole lines, a grapheme at a time.
    let room = current ? limit - used - space.length : limit;
    let piece = '';
    let pieceWidth = 0;
    for (const { segment } of graphemes.segment(word)) {
      const w = width(segment);
      if (pieceWidth + w > room && (piece || current)) {
        if (piece) current = current ? current + space + piece : piece;
        lines.push(current);
        current = '';
        used = 0;
        piece = '';
        pieceWidth = 0;
        room = limit;
      }
      piece += segment;
      pieceWidth += w;
    }
    if (piece) push(piece, pieceWidth, space);
  }
  if (current) lines.push(current);
  return lines;
}

/** `text` wrapped to the terminal after `indent` spaces, continuation lines `hang` columns further in. */
export function paragraph(text: string, terminal: Terminal, indent = 0, hang = 0): string[] {
  if (terminal.columns === undefined) return [' '.repeat(indent) + text.replace(/\s*\n\s*/g, ' ')];
  const room = terminal.columns === undefined ? Infinity : Math.max(terminal.columns, MIN_COLUMNS) - indent;
  const [first = '', ...rest] = wrap(text, room);
  const more = rest.length ? wrap(rest.join(' '), room - hang) : [];
  return [first, ...more.map((line) => ' '.repeat(hang) + line)].map((line) => ' '.repeat(indent) + line);
}

export interface Column {
  header: string;
  /** Wraps at spaces (descriptions, results, states); otherwise kept whole (ids, handles, statuses, modes). */
  wrap?: boolean;
  /** The narrowest a wrapping column may get before the table changes its layout (default 12, or its text if less). */
  min?: number;
  /**
   * When the table does not fit, the column leaves it and its text goes under its row, introduced by
   * `label`; columns with lower numbers leave first.
   */
  under?: number;
  /**
   * The column names what the rows below it belong to (a row with it empty continues the one above);
   * when the table does not fit, its text heads its rows instead of taking a column.
   */
  group?: boolean;
  /** How the column's text is introduced under a row or in the stacked layout (default: the header in lower case; '' for none). */
  label?: string;
  /** Styling for a kept cell on a colour terminal (a wrapped cell is never styled: a break would split the escape). */
  style?: (cell: string) => string;
}

export interface Row {
  cells: string[];
  /** Lines under the row, wrapped from where the anchor column starts (a description, why it was planned). */
  details?: string[];
}

export interface TableOptions {
  terminal: Terminal;
  /** Spaces before every line. */
  indent?: number;
  /** Print the header row (default true). */
  headers?: boolean;
  /** The header of the column under which details and moved columns start (default: the second shown). */
  anchor?: string;
  /** Part rows with a blank line (default: when some row takes more than one line). */
  separate?: boolean;
}

interface Shape {
  shown: Column[];
  /** The grouping column heads its rows rather than taking a column. */
  grouped: boolean;
  widths: number[];
}

const GAP = 2;
const DEFAULT_MIN = 12;
/** Details and moved columns get at least this much room, else they start further left. */
const DETAIL_ROOM = 24;

/**
 * Rows as a table that fits the terminal: kept columns at their full width, wrapping columns sharing
 * what is left. When even their narrowest does not fit, columns marked `under` move under their rows
 * (lowest first), then the `group` column heads its rows, and failing all that each row is stacked one
 * field a line. Piped, every row is one line at its natural width.
 */
export function layTable(
  columns: readonly Column[],
  rows: readonly (string[] | Row)[],
  options: TableOptions,
): string[] {
  const all = rows.map((row) => (Array.isArray(row) ? { cells: row } : row));
  const { terminal } = options;
  const indent = options.indent ?? 0;
  const headers = options.headers ?? true;
  if (terminal.columns === undefined) {
    const widths = columns.map((_, i) => naturalWidth(columns, all, i, headers));
    return lay(columns, all, { shown: [...columns], grouped: false, widths }, options);
  }
  const room = Math.max(terminal.columns, MIN_COLUMNS) - indent;
  const leaving = columns.filter((c) => c.under !== undefined).sort((a, b) => (a.under ?? 0) - (b.under ?? 0));
  const grouping = columns.some((c) => c.group);
  // Of the layouts that fit, the shortest: squeezing every column in can take more lines than moving one out.
  let best: string[] | undefined;
  for (const grouped of grouping ? [false, true] : [false]) {
    for (let moved = 0; moved <= leaving.length; moved++) {
      const away = new Set(leaving.slice(0, moved));
      const shown = columns.filter((c) => !away.has(c) && !(grouped && c.group));
      const widths = fit(columns, shown, all, room - (grouped ? GAP : 0), headers);
      const laid = widths && lay(columns, all, { shown, grouped, widths }, options);
      if (laid && (!best || laid.length < best.length)) best = laid;
    }
  }
  return best ?? stacked(columns, all, room, indent, terminal);
}

function naturalWidth(columns: readonly Column[], rows: Row[], i: number, headers: boolean): number {
  const header = headers ? width(columns[i]?.header ?? '') : 0;
  return Math.max(header, ...rows.map((row) => width(wrap(row.cells[i] ?? '').join(' '))));
}

/** Each shown column's width, or undefined when the shown columns cannot fit in `room`. */
function fit(
  columns: readonly Column[],
  shown: Column[],
  rows: Row[],
  room: number,
  headers: boolean,
): number[] | undefined {
  const natural = shown.map((c) => naturalWidth(columns, rows, columns.indexOf(c), headers));
  const widths = shown.map((c, i) => {
    if (!c.wrap) return natural[i] ?? 0;
    const index = columns.indexOf(c);
    const text = Math.max(headers ? width(c.header) : 0, ...rows.map((row) => narrowest(row.cells[index] ?? '')));
    return Math.max(text, Math.min(natural[i] ?? 0, c.min ?? DEFAULT_MIN));
  });
  let spare = room - GAP * (shown.length - 1) - widths.reduce((a, b) => a + b, 0);
  if (spare < 0) return undefined;
  // Equal shares to the wrapping columns, each up to its natural width: the longest text gets the rest.
  for (;;) {
    const growing = shown.flatMap((c, i) => (c.wrap && (widths[i] ?? 0) < (natural[i] ?? 0) ? [i] : []));
    if (spare === 0 || growing.length === 0) return widths;
    const share = Math.max(1, Math.floor(spare / growing.length));
    for (const i of growing) {
      const add = Math.min(share, (natural[i] ?? 0) - (widths[i] ?? 0), spare);
      widths[i] = (widths[i] ?? 0) + add;
      spare -= add;
    }
  }
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

function lay(columns: readonly Column[], rows: Row[], shape: Shape, options: TableOptions): string[] {
  const { shown, grouped, widths } = shape;
  const { terminal } = options;
  const indent = ' '.repeat((options.indent ?? 0) + (grouped ? GAP : 0));
  const piped = terminal.columns === undefined;
  const total = piped ? Infinity : Math.max(terminal.columns ?? 0, MIN_COLUMNS);
  const groupColumn = grouped ? columns.findIndex((c) => c.group) : -1;
  const movedColumns = columns.filter((c) => !shown.includes(c) && !(grouped && c.group));

  // Details start under the anchor column; when it has left the table, under the second column.
  const named = options.anchor === undefined ? -1 : shown.findIndex((c) => c.header === options.anchor);
  const anchor = named >= 0 ? named : Math.min(1, shown.length - 1);
  let offset = indent.length + widths.slice(0, anchor).reduce((sum, w) => sum + w + GAP, 0);
  if (anchor === 0 || total - offset < DETAIL_ROOM) offset = indent.length + GAP;
  const under = ' '.repeat(offset);

  const line = (cells: string[], style: boolean) =>
    (
      indent +
      shown
        .map((c, i) => {
          const cell = cells[i] ?? '';
          const shownCell = style && terminal.color && c.style && !c.wrap && cell ? c.style(cell) : cell;
          return i === shown.length - 1
            ? shownCell
            : shownCell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(cell)));
        })
        .join(' '.repeat(GAP))
    ).trimEnd();

  const blocks: { heading?: string[]; lines: string[] }[] = [];
  for (const row of rows) {
    const cells = shown.map((c, i) => {
      const text = row.cells[columns.indexOf(c)] ?? '';
      return c.wrap && !piped ? wrap(text, widths[i] ?? 0) : [wrap(text).join(' ')];
    });
    const height = Math.max(1, ...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let l = 0; l < height; l++)
      lines.push(
        line(
          cells.map((c) => c[l] ?? ''),
          l === 0,
        ),
      );
    for (const detail of row.details ?? []) {
      lines.push(...(piped ? [wrap(detail).join(' ')] : wrap(detail, total - offset)).map((l) => under + l));
    }
    for (const c of movedColumns) {
      const text = row.cells[columns.indexOf(c)] ?? '';
      if (!text.trim()) continue;
      const label = c.label ?? c.header.toLowerCase();
      lines.push(...hanging(label ? `${label}: ${text}` : text, total - offset, GAP).map((l) => under + l));
    }
    const groupText = groupColumn >= 0 ? (row.cells[groupColumn] ?? '') : '';
    blocks.push({
      ...(groupText.trim()
        ? {
            heading: hanging(groupText, total - (options.indent ?? 0), GAP).map(
              (l) => ' '.repeat(options.indent ?? 0) + l,
            ),
          }
        : {}),
      lines,
    });
  }

  const out: string[] = [];
  if (options.headers ?? true)
    out.push(
      line(
        shown.map((c) => c.header),
        false,
      ),
    );
  const separate = options.separate ?? blocks.some((b) => b.lines.length > 1);
  blocks.forEach((block, i) => {
    if (i > 0 && (separate || block.heading)) out.push('');
    if (block.heading) out.push(...block.heading.map((h) => (terminal.color ? bold(h) : h)));
    out.push(...block.lines);
  });
  return out;
}

/** `text` wrapped to `room`, its continuation lines `hang` columns in. */
function hanging(text: string, room: number, hang: number): string[] {
  const [first = '', ...rest] = wrap(text, room);
  return [first, ...(rest.length ? wrap(rest.join(' '), room - hang) : []).map((l) => ' '.repeat(hang) + l)];
}

/** One field a line, each row a block: what a table becomes when even its narrowest does not fit. */
function stacked(columns: readonly Column[], rows: Row[], room: number, indent: number, terminal: Terminal): string[] {
  const labels = columns.map((c) => c.label ?? c.header.toLowerCase());
  const labelWidth = Math.max(0, ...labels.map(width));
  const valueRoom = room - labelWidth - GAP;
  const at = ' '.repeat(indent);
  const out: string[] = [];
  rows.forEach((row, r) => {
    if (r > 0) out.push('');
    columns.forEach((c, i) => {
      const text = row.cells[i] ?? '';
      if (!text.trim()) return;
      const label = labels[i] ?? '';
      // Beside its label when there is room for it, an id included; else under it.
      if (valueRoom >= DETAIL_ROOM && narrowest(text) <= valueRoom) {
        const [first = '', ...rest] = wrap(text, valueRoom);
        const styled = terminal.color && c.style && !c.wrap ? c.style(first) : first;
        out.push(`${at}${label ? pad(label, labelWidth) + ' '.repeat(GAP) : ''}${styled}`.trimEnd());
        out.push(...rest.map((l) => at + ' '.repeat(label ? labelWidth + GAP : 0) + l));
      } else {
        if (label) out.push(at + label);
        out.push(...wrap(text, room - GAP).map((l) => at + ' '.repeat(GAP) + l));
      }
    });
    for (const detail of row.details ?? []) out.push(...wrap(detail, room - GAP).map((l) => at + ' '.repeat(GAP) + l));
  });
  return out;
}

/** Bold on a colour terminal (SGR 1, reset by 22 so other styling survives). */
export function bold(text: string): string {
  return `\u001b[1m${text}\u001b[22m`;
}

/** A foreground colour on a colour terminal (SGR 3x, reset by 39). */
export function colored(color: 'red' | 'green' | 'yellow' | 'cyan', text: string): string {
  const code = { red: 31, green: 32, yellow: 33, cyan: 36 }[color];
  return `\u001b[${code}m${text}\u001b[39m`;
}
