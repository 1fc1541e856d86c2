/** A line chart as inline SVG text: no script, no network, readable in any browser or report. */
import { escapeXml } from '../markup.ts';

export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [x: number, y: number]>;
  /** Dashed, so that a line lying on another stays visible. */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (latency spans decades); values <= 0 are drawn at the bottom. */
  log?: boolean;
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 16, top: 32, bottom: 44 };
const LEGEND_ITEM = 110;

/** 1, 2, 5, 10, 20, 50, ...: a round step giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

function formatTick(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 260;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const all = options.series.flatMap((s) => s.points);
  // reduce, not Math.max(...): an hour-long run has more points than a call may take arguments.
  const xMax = all.reduce((m, [x]) => Math.max(m, x), 1);
  const ys = all.map(([, y]) => y).filter((y) => !options.log || y > 0);
  const yTop = ys.reduce((m, y) => Math.max(m, y), options.log ? 1 : 1e-9);

  let yTicks: number[];
  let yScale: (y: number) => number;
  if (options.log) {
    const lo = Math.floor(Math.log10(ys.reduce((m, y) => Math.min(m, y), yTop)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(yTop)));
    yTicks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    yScale = (y) => plotH - ((Math.log10(Math.max(y, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  } else {
    const step = niceStep(yTop, 5);
    const top = Math.ceil(yTop / step) * step;
    yTicks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
    yScale = (y) => plotH - (y / top) * plotH;
  }
  const xStep = niceStep(xMax, 10);
  const xTicks = Array.from({ length: Math.floor(xMax / xStep) + 1 }, (_, i) => i * xStep);
  const xScale = (x: number) => (x / xMax) * plotW;

  const grid = [
    ...yTicks.map(
      (t) =>
        `<line x1="0" x2="${plotW}" y1="${yScale(t).toFixed(1)}" y2="${yScale(t).toFixed(1)}" stroke="#e3e3e3"/>` +
        `<text x="-6" y="${(yScale(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    ),
    ...xTicks.map(
      (t) =>
        `<text x="${xScale(t).toFixed(1)}" y="${plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    ),
  ];
  const lines = options.series.map((s) => {
    const d = s.points.map(([x, y]) => `${xScale(x).toFixed(1)},${yScale(y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${dash} points="${d}"><title>${escapeXml(s.name)}</title></polyline>`;
  });
  // The legend shares the title's line, right-aligned, clear of the axis label.
  const legend = options.series.map(
    (s, i, all) =>
      `<g transform="translate(${width - PAD.right - (all.length - i) * LEGEND_ITEM},18)"><rect width="14" height="4" y="-4" fill="${s.color}"/>` +
      `<text x="20">${escapeXml(s.name)}</text></g>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="${PAD.left}" y="18" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<g transform="translate(${PAD.left},${PAD.top})">`,
    ...grid,
    `<line x1="0" x2="0" y1="0" y2="${plotH}" stroke="#888"/><line x1="0" x2="${plotW}" y1="${plotH}" y2="${plotH}" stroke="#888"/>`,
    ...lines,
    `<text x="${plotW / 2}" y="${plotH + 32}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(-48,${plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    '</g>',
    ...legend,
    '</svg>',
  ].join('\n');
}
