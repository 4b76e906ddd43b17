import { addDays, dayNumber, formatCompact, formatCost, heatLevels } from '../format';

/**
 * A year of days as a calendar (weeks as columns, Monday on top), shaded by tokens; each cell's
 * title says the day and its numbers.
 */
export function Heatmap({ days, to }: { days: Map<string, { tokens: number; cost: string }>; to: string }) {
  const cell = 11;
  const gap = 2;
  // 53 weeks ending with the week of `to`; the first column starts on a Monday.
  const end = dayNumber(to);
  const endMonday = end - ((((end + 3) % 7) + 7) % 7);
  const start = endMonday - 52 * 7;
  const cells: Array<{ day: string; week: number; weekday: number; tokens: number; cost: string | undefined }> = [];
  for (let n = start; n <= end; n++) {
    const day = addDays(to, n - end);
    const entry = days.get(day);
    cells.push({ day, week: Math.floor((n - start) / 7), weekday: (n - start) % 7, tokens: entry?.tokens ?? 0, cost: entry?.cost });
  }
  const levels = heatLevels(cells.map((c) => c.tokens));
  const width = 53 * (cell + gap);
  const height = 7 * (cell + gap);
  return (
    <svg class="heatmap" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Active days over the last year" data-points={cells.length}>
      {cells.map((c, i) => (
        <rect key={c.day} x={c.week * (cell + gap)} y={c.weekday * (cell + gap)} width={cell} height={cell} rx={2} class={`heat-${levels[i]}`} data-day={c.day}>
          <title>{c.tokens > 0 ? `${c.day}: ${formatCompact(c.tokens)} tokens, ${formatCost(c.cost ?? '0')}` : `${c.day}: no usage`}</title>
        </rect>
      ))}
    </svg>
  );
}
