/**
 * Markdown for the Temporal Web UI (Current Details, and the Summary and Details a playbook starts with): the UI renders
 * it with no stylesheet (browser defaults: text breaks after spaces and hyphens only) and passes raw HTML through, so
 * text from outside — alert titles, principal names, approvers, reasons, provider errors — is escaped here and long
 * unbroken runs are shortened to fit its panel.
 */

/**
 * The longest run without a break a code span keeps (monospace is 7.8 px a character in the UI's default 13 px:
 * 56 characters are 440 px, inside a list item in the 584 px panel with room to spare).
 */
export const CODE_RUN = 56;
/** The same for prose, in the proportional default font (wider letters than the average, so fewer). */
export const TEXT_RUN = 48;

/**
 * Text from outside (alert titles, approvers, reasons, provider errors) as literal markdown: every character markdown
 * or HTML would act on is escaped (the UI renders raw HTML, so a title must not become a link or a tag), lines are
 * joined, and long unbroken runs are shortened.
 */
export function text(value: string): string {
  return shortenRuns(value.replace(/\s+/g, ' '), TEXT_RUN)
    .replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (www) => `${www.slice(0, 3)}\\.`);
}

/** A code span that contains any text: its fence is longer than any run of backticks inside. */
export function code(value: string, run = CODE_RUN): string {
  return codeSpan(shortenRuns(value.replace(/\s+/g, ' '), run));
}

export function codeSpan(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((ticks) => ticks.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/**
 * Runs the browser cannot break (it breaks after spaces and hyphens only), longer than `max`, keep their start and
 * end around an ellipsis: `arn:aws:iam::123456789012:user/…/alice` still says whose it is.
 */
export function shortenRuns(value: string, max: number): string {
  return value.replace(/[^\s-]+/g, (run) => {
    if (run.length <= max) return run;
    const keep = max - 1;
    return `${run.slice(0, Math.ceil(keep / 2))}…${run.slice(run.length - Math.floor(keep / 2))}`;
  });
}
