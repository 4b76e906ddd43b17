import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCompact, unixSeconds } from '../format';

/** What a value the server withheld reads as in tooltips and tables (docs/privacy.md, "Community totals"). */
export const WITHHELD = 'withheld';

export interface SeriesSpec {
  label: string;
  /** One per bucket; null: withheld by the server, drawn as a gap (never as zero). */
  values: Array<number | null>;
  /** 'bar' and 'area' on the left axis stack when the chart says so; 'line' is drawn on its own. */
  kind: 'bar' | 'area' | 'line';
  axis?: 'left' | 'right';
  /** How a value reads in the tooltip and the table (default: compact). */
  format?: (value: number) => string;
}

export interface ChartSpec {
  /** Names the chart for tests and links: data-chart on its element. */
  id: string;
  title: string;
  /** The x values: bucket labels (days, Mondays, first days of months), ascending. */
  buckets: string[];
  series: SeriesSpec[];
  /** Stack the left axis' bars and areas. */
  stacked?: boolean;
  /** Stack as shares of each bucket's total (0–100 %). */
  percent?: boolean;
  leftFormat?: (value: number) => string;
  /** The left axis counts things (users): ticks at whole numbers only. */
  integers?: boolean;
  rightFormat?: (value: number) => string;
  height?: number;
  /** The API's CSV of the same numbers, linked under the chart. */
  csv?: string;
}

/** Colours that read on light and dark backgrounds. */
export const PALETTE = ['#d97757', '#3b82f6', '#10b981', '#a855f7', '#f59e0b', '#ef4444', '#14b8a6', '#ec4899', '#84cc16', '#6366f1', '#94a3b8'];

/** Tick steps of an axis that counts: 1, 2, 5, 10, 20, 50, … */
const INTEGER_STEPS = Array.from({ length: 12 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** i)).flat();

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * The values drawn: cumulative sums for stacked series (or shares of 100), the rest unchanged. A
 * bucket where any stacked series is withheld (null) is a gap in every stacked series: its stack,
 * and its shares, cannot be drawn truthfully without that series.
 */
function drawnValues(spec: ChartSpec): Array<Array<number | null>> {
  const stackable = spec.series.map((s) => spec.stacked === true && s.kind !== 'line' && s.axis !== 'right');
  const gap = spec.buckets.map((_, i) => spec.series.some((s, k) => stackable[k] && s.values[i] === null));
  const totals = spec.buckets.map((_, i) => spec.series.reduce((sum, s, k) => sum + (stackable[k] ? (s.values[i] ?? 0) : 0), 0));
  const running = spec.buckets.map(() => 0);
  return spec.series.map((s, k) => {
    if (!stackable[k]) return s.values;
    return s.values.map((v, i) => {
      if (gap[i]) return null;
      const value = v ?? 0;
      running[i] += spec.percent ? (totals[i] > 0 ? (value / totals[i]) * 100 : 0) : value;
      return running[i];
    });
  });
}

/** A value as tooltips and tables print it. */
const printed = (s: SeriesSpec, value: number | null): string => (value === null ? WITHHELD : (s.format ?? formatCompact)(value));

function tooltipPlugin(spec: ChartSpec): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tip';
        tip.hidden = true;
        u.over.appendChild(tip);
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
          tip.hidden = true;
          return;
        }
        // Built with textContent: model and user names come from uploads.
        tip.replaceChildren();
        const head = document.createElement('strong');
        head.textContent = spec.buckets[i];
        tip.appendChild(head);
        spec.series.forEach((s, k) => {
          const line = document.createElement('div');
          const swatch = document.createElement('span');
          swatch.className = 'swatch';
          swatch.style.background = PALETTE[k % PALETTE.length];
          line.append(swatch, `${s.label}: ${printed(s, s.values[i])}`);
          tip.appendChild(line);
        });
        tip.hidden = false;
        const left = u.cursor.left;
        const wide = u.over.clientWidth;
        tip.style.left = `${Math.min(left + 12, Math.max(0, wide - tip.offsetWidth))}px`;
        tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - tip.offsetHeight - 8)}px`;
      },
    },
  };
}

function buildOptions(spec: ChartSpec, width: number): uPlot.Options {
  const muted = cssVar('--muted', '#6b7280');
  const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
  const bars = uPlot.paths.bars!({ size: [0.8, 40], gap: 1 });
  const hasRight = spec.series.some((s) => s.axis === 'right');
  const leftFormat = spec.percent ? (v: number) => `${Math.round(v)}%` : (spec.leftFormat ?? formatCompact);
  const series: uPlot.Series[] = spec.series.map((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    return {
      label: s.label,
      scale: s.axis === 'right' ? 'right' : 'y',
      stroke: colour,
      width: s.kind === 'line' ? 2 : 1,
      fill: s.kind === 'line' ? undefined : s.kind === 'bar' ? colour : `${colour}cc`,
      paths: s.kind === 'bar' ? bars : undefined,
      points: { show: s.kind === 'line' && spec.buckets.length <= 60 },
    };
  });
  // Stacked fills are drawn largest first so each band shows above the ones it contains.
  const order = spec.series.map((_, k) => k);
  if (spec.stacked) order.sort((a, b) => (spec.series[a].kind === 'line' ? 1 : 0) - (spec.series[b].kind === 'line' ? 1 : 0) || b - a);
  // uPlot's sides: 3 is left, 1 is right (an explicit undefined would mean bottom).
  const axis = (format: (v: number) => string, side: 1 | 3): uPlot.Axis => ({
    stroke: muted,
    grid: side === 3 ? { stroke: grid, width: 1 } : { show: false },
    ticks: { stroke: grid, width: 1 },
    size: 56,
    side,
    scale: side === 3 ? 'y' : 'right',
    values: (_u, ticks) => ticks.map(format),
    ...(side === 3 && spec.integers ? { incrs: INTEGER_STEPS } : {}),
  });
  return {
    width,
    height: spec.height ?? 260,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: true },
      y: spec.percent ? { range: [0, 100] } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      right: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      { stroke: muted, grid: { show: false }, ticks: { stroke: grid } },
      axis(leftFormat, 3),
      ...(hasRight ? [axis(spec.rightFormat ?? formatCompact, 1)] : []),
    ],
    series: [{}, ...order.map((k) => series[k])],
    plugins: [tooltipPlugin({ ...spec, series: spec.series })],
  };
}

/** A uPlot chart that follows its container's width and the system's colour scheme. */
function UPlotChart({ spec }: { spec: ChartSpec }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let plot: uPlot | undefined;
    const draw = () => {
      plot?.destroy();
      const values = drawnValues(spec);
      const order = spec.series.map((_, k) => k);
      if (spec.stacked) order.sort((a, b) => (spec.series[a].kind === 'line' ? 1 : 0) - (spec.series[b].kind === 'line' ? 1 : 0) || b - a);
      const data: uPlot.AlignedData = [spec.buckets.map(unixSeconds), ...order.map((k) => values[k])];
      plot = new uPlot(buildOptions(spec, Math.max(280, element.clientWidth)), data, element);
    };
    draw();
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, element.clientWidth), height: spec.height ?? 260 }));
    resize.observe(element);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', draw);
      plot?.destroy();
    };
  }, [spec]);
  return <div class="plot" ref={box} />;
}

/** A chart with its title, legend, the numbers behind it as a table, and a CSV link. */
export function Chart({ spec }: { spec: ChartSpec }) {
  const empty = spec.buckets.length === 0;
  return (
    <figure class="chart" data-chart={spec.id} data-series={JSON.stringify(spec.series.map((s) => s.label))} data-points={spec.buckets.length}>
      <figcaption>
        <h3>{spec.title}</h3>
        <ul class="legend">
          {spec.series.map((s, k) => (
            <li key={s.label}>
              <span class="swatch" style={{ background: PALETTE[k % PALETTE.length] }} />
              {s.label}
              {s.axis === 'right' ? ' (right axis)' : ''}
            </li>
          ))}
        </ul>
      </figcaption>
      {empty ? <p class="empty">No data in this range.</p> : <UPlotChart spec={spec} />}
      {!empty && (
        <details class="chart-table">
          <summary>Table</summary>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  {spec.series.map((s) => (
                    <th scope="col" key={s.label} class="num">
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {spec.buckets.map((b, i) => (
                  <tr key={b}>
                    <td>{b}</td>
                    {spec.series.map((s) => (
                      <td key={s.label} class="num" data-withheld={s.values[i] === null ? '' : undefined}>
                        {s.values[i] === null ? WITHHELD : (s.format ?? String)(s.values[i])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      {spec.csv && (
        <a class="csv" href={spec.csv} download>
          CSV
        </a>
      )}
    </figure>
  );
}
