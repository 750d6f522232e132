// bench/chart.svg: the floor and Revoker side by side, one panel per measure, drawn as plain SVG.
import type { BenchResults } from './run.js';

const FLOOR = '#8c8c8c';
const REVOKER = '#d9480f';
const PANEL_W = 420;
const PANEL_H = 260;

interface Group {
  label: string;
  floor: number;
  revoker: number;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));

/** One panel of grouped bars (floor, Revoker) at (x, y). */
function bars(x: number, y: number, title: string, unit: string, groups: Group[]): string {
  const top = 40;
  const bottom = 40;
  const plotH = PANEL_H - top - bottom;
  const max = Math.max(1, ...groups.flatMap((g) => [g.floor, g.revoker]));
  const slot = (PANEL_W - 40) / Math.max(1, groups.length);
  const bar = Math.min(40, slot / 3);
  const parts = [
    `<text x="${x + 10}" y="${y + 22}" font-size="15" font-weight="600">${escape(title)}</text>`,
    `<line x1="${x + 20}" y1="${y + top + plotH}" x2="${x + PANEL_W - 20}" y2="${y + top + plotH}" stroke="#333"/>`,
  ];
  groups.forEach((g, i) => {
    const cx = x + 20 + slot * i + slot / 2;
    for (const [k, value, colour] of [
      [0, g.floor, FLOOR],
      [1, g.revoker, REVOKER],
    ] as const) {
      const h = (value / max) * plotH;
      const bx = cx - bar + k * bar;
      const by = y + top + plotH - h;
      parts.push(`<rect x="${bx}" y="${by}" width="${bar - 2}" height="${h}" fill="${colour}"/>`);
      parts.push(
        `<text x="${bx + (bar - 2) / 2}" y="${by - 4}" font-size="11" text-anchor="middle">${fmt(value)}</text>`,
      );
    }
    parts.push(
      `<text x="${cx}" y="${y + top + plotH + 18}" font-size="12" text-anchor="middle">${escape(g.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${x + PANEL_W - 20}" y="${y + 22}" font-size="12" text-anchor="end" fill="#555">${escape(unit)}</text>`,
  );
  return parts.join('\n');
}

/** Where the mean playbook's time goes, as one stacked bar each for the floor and Revoker. */
function breakdown(x: number, y: number, r: BenchResults): string {
  const rows = [
    ['floor', r.latency.floor.shares],
    ['Revoker', r.latency.revoker.shares],
  ] as const;
  const max = Math.max(...rows.map(([, s]) => s.totalMs), 1);
  const width = PANEL_W - 160;
  const colours = { intakeMs: '#4263eb', activitiesMs: '#2f9e44', temporalMs: '#f08c00' } as const;
  const parts = [
    `<text x="${x + 10}" y="${y + 22}" font-size="15" font-weight="600">Where the mean playbook's time goes</text>`,
  ];
  rows.forEach(([label, shares], i) => {
    const by = y + 60 + i * 60;
    parts.push(`<text x="${x + 10}" y="${by + 20}" font-size="12">${label}</text>`);
    let bx = x + 80;
    for (const key of ['intakeMs', 'activitiesMs', 'temporalMs'] as const) {
      const w = (shares[key] / max) * width;
      parts.push(`<rect x="${bx}" y="${by}" width="${w}" height="30" fill="${colours[key]}"/>`);
      if (w > 34) {
        parts.push(
          `<text x="${bx + w / 2}" y="${by + 20}" font-size="11" fill="#fff" text-anchor="middle">${Math.round(shares[key])}</text>`,
        );
      }
      bx += w;
    }
    parts.push(`<text x="${bx + 6}" y="${by + 20}" font-size="11">${Math.round(shares.totalMs)} ms</text>`);
  });
  const legend: [string, string][] = [
    ['intake', colours.intakeMs],
    ['activities', colours.activitiesMs],
    ['Temporal', colours.temporalMs],
  ];
  legend.forEach(([label, colour], i) => {
    const lx = x + 80 + i * 100;
    parts.push(`<rect x="${lx}" y="${y + 200}" width="12" height="12" fill="${colour}"/>`);
    parts.push(`<text x="${lx + 16}" y="${y + 211}" font-size="12">${label}</text>`);
  });
  return parts.join('\n');
}

export function renderChart(r: BenchResults): string {
  const panels = [
    bars(0, 40, `Latency, webhook to report (${r.latency.alerts} alerts)`, 'ms', [
      { label: 'p50', floor: r.latency.floor.p50, revoker: r.latency.revoker.p50 },
      { label: 'p95', floor: r.latency.floor.p95, revoker: r.latency.revoker.p95 },
      { label: 'p99', floor: r.latency.floor.p99, revoker: r.latency.revoker.p99 },
    ]),
    bars(
      PANEL_W + 20,
      40,
      'Burst throughput',
      'playbooks/s',
      r.bursts.map((b) => ({ label: `burst of ${b.size}`, floor: b.floor.perSecond, revoker: b.revoker.perSecond })),
    ),
    bars(0, 40 + PANEL_H + 20, `Memory per waiting playbook (${r.waiting.playbooks} waiting)`, 'KiB', [
      { label: 'process (worker)', floor: r.waiting.floor.workerKiBEach, revoker: r.waiting.revoker.workerKiBEach },
      { label: 'dev server', floor: r.waiting.floor.devServerKiBEach, revoker: r.waiting.revoker.devServerKiBEach },
    ]),
    breakdown(PANEL_W + 20, 40 + PANEL_H + 20, r),
  ];
  const width = 2 * PANEL_W + 20;
  const height = 40 + 2 * PANEL_H + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="17" font-weight="700">Revoker vs bare Temporal (${escape(r.ranAt.slice(0, 10))}, ${r.machine.cpus} cores)</text>`,
    `<rect x="${width - 200}" y="12" width="12" height="12" fill="${FLOOR}"/><text x="${width - 184}" y="23" font-size="12">floor</text>`,
    `<rect x="${width - 120}" y="12" width="12" height="12" fill="${REVOKER}"/><text x="${width - 104}" y="23" font-size="12">Revoker</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
