import { useState } from 'preact/hooks';
import { api, csvUrl, data, type Schemas } from '../api/client';
import { Sparkline } from '../charts/sparkline';
import { formatCompact, formatInt, formatMetricValue, isDay } from '../format';
import { type Location, navigate, withQuery } from '../router';
import { Choices, Loaded, Money, Page, UserName, useLoad } from '../ui';
import { explicitRange } from './ranges';

export const PERIODS = [
  ['today', 'Today'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['week', 'This week'],
  ['month', 'This month'],
  ['year', 'This year'],
  ['all', 'All time'],
] as const;
export type Period = (typeof PERIODS)[number][0];

export const METRICS = [
  ['cost', 'Cost'],
  ['tokens', 'Tokens'],
  ['input', 'Input'],
  ['output', 'Output'],
  ['cacheCreation', 'Cache creation'],
  ['cacheRead', 'Cache read'],
  ['sessions', 'Sessions'],
  ['linesAdded', 'Lines added'],
  ['commits', 'Commits'],
  ['pullRequests', 'Pull requests'],
  ['activeTime', 'Active time'],
] as const;
export type Metric = (typeof METRICS)[number][0];

export const PAGE_SIZE = 25;

type Entry = Schemas['LeaderboardEntry'];

/** The ranked number of a row, as the API ranked it (its `value`), formatted for its metric. */
export function metricValue(entry: Entry, metric: Metric): string {
  return formatMetricValue(metric, entry.value);
}

function pick<T extends string>(value: string | null, options: ReadonlyArray<readonly [T, string]>, fallback: T): T {
  return options.some(([v]) => v === value) ? (value as T) : fallback;
}

/**
 * The leaderboard's settings from its URL; anything unknown falls back to the default. `pageParam`
 * names the page's query parameter (a team page keeps `page` for its member list).
 */
export function leaderboardState(where: Location, pageParam = 'page') {
  const q = where.query;
  const custom = explicitRange(where);
  const page = Math.max(1, Math.min(100_000, Math.floor(Number(q.get(pageParam) ?? '1')) || 1));
  return {
    period: pick(q.get('period'), PERIODS, '30d'),
    metric: pick(q.get('metric'), METRICS, 'cost'),
    from: custom?.from,
    to: custom?.to,
    page,
  };
}

function CustomRange({ where, from, to, pageParam }: { where: Location; from?: string; to?: string; pageParam: string }) {
  const [range, setRange] = useState({ from: from ?? '', to: to ?? '' });
  return (
    <form
      class="custom-range"
      onSubmit={(e) => {
        e.preventDefault();
        if (isDay(range.from) && isDay(range.to) && range.from <= range.to)
          navigate(withQuery(where, { from: range.from, to: range.to, period: undefined, [pageParam]: undefined }));
      }}
    >
      <label>
        From <input type="date" name="from" value={range.from} required onInput={(e) => setRange({ ...range, from: e.currentTarget.value })} />
      </label>
      <label>
        to <input type="date" name="to" value={range.to} required onInput={(e) => setRange({ ...range, to: e.currentTarget.value })} />
      </label>
      <button type="submit">Show</button>
    </form>
  );
}

/** The query a board asks for: its range (a period or from and to), metric and page. */
export interface BoardQuery {
  period?: Period;
  from?: string;
  to?: string;
  metric: Metric;
  limit: number;
  offset: number;
}

/**
 * A leaderboard with its controls (period, metric, custom range), pages and CSV link, all in the URL.
 * The community's and a team's boards are the same query with the same answer, so only where the
 * answer comes from differs: `fetchBoard` asks for it (with sparklines), `csvPath` is the same route.
 */
export function Board({
  where,
  name,
  fetchBoard,
  csvPath,
  pageParam = 'page',
}: {
  where: Location;
  /** Tells boards apart in the fetch key (the community's, a team's). */
  name: string;
  fetchBoard: (query: BoardQuery) => Promise<Schemas['Leaderboard']>;
  csvPath: string;
  pageParam?: string;
}) {
  const state = leaderboardState(where, pageParam);
  const query: BoardQuery = {
    ...(state.from ? { from: state.from, to: state.to } : { period: state.period }),
    metric: state.metric,
    limit: PAGE_SIZE,
    offset: (state.page - 1) * PAGE_SIZE,
  };
  const load = useLoad(`${name}|${JSON.stringify(query)}`, () => fetchBoard(query));
  const set = (changes: Record<string, string | number | undefined>) => withQuery(where, { ...changes, [pageParam]: undefined });
  const metricLabel = METRICS.find(([m]) => m === state.metric)![1];
  return (
    <>
      <div class="controls">
        <Choices label="Period" options={PERIODS} current={state.from ? '' : state.period} href={(p) => set({ period: p, from: undefined, to: undefined })} />
        <Choices label="Ranked by" options={METRICS} current={state.metric} href={(m) => set({ metric: m })} />
        <details class="custom" open={state.from !== undefined}>
          <summary>Custom range</summary>
          <CustomRange where={where} from={state.from} to={state.to} pageParam={pageParam} />
        </details>
      </div>
      <Loaded load={load}>
        {(board) => (
          <>
            <p class="range" data-testid="range">
              {board.from && board.to ? `${board.from} to ${board.to}` : 'No usage yet'} · {formatInt(board.total)} {board.total === 1 ? 'user' : 'users'}
              {board.granularity === 'month' ? ' · includes retired months, counted whole' : ''}
            </p>
            {board.entries.length === 0 ? (
              <p class="empty">Nobody has usage in this range yet.</p>
            ) : (
              <div class="scroll">
                <table class="leaderboard" data-metric={board.metric}>
                  <thead>
                    <tr>
                      <th scope="col" class="num">
                        Rank
                      </th>
                      <th scope="col">User</th>
                      <th scope="col" class="num">
                        {metricLabel}
                      </th>
                      {state.metric !== 'tokens' && (
                        <th scope="col" class="num">
                          Tokens
                        </th>
                      )}
                      {state.metric !== 'cost' && (
                        <th scope="col" class="num">
                          Cost
                        </th>
                      )}
                      <th scope="col" class="num">
                        Active days
                      </th>
                      <th scope="col">Top model</th>
                      <th scope="col">Last 30 days</th>
                    </tr>
                  </thead>
                  <tbody>
                    {board.entries.map((e, i) => {
                      const tied = board.entries[i - 1]?.rank === e.rank || board.entries[i + 1]?.rank === e.rank;
                      const spark = (e.last30Days ?? []).map(Number);
                      return (
                        <tr key={e.username} data-username={e.username}>
                          <td class="num rank" title={tied ? `Tied at rank ${e.rank}` : undefined}>
                            {tied ? `=${e.rank}` : e.rank}
                          </td>
                          <td class="user">
                            <UserName username={e.username} displayName={e.displayName} />
                          </td>
                          <td class="num metric">{metricValue(e, state.metric)}</td>
                          {state.metric !== 'tokens' && (
                            <td class="num tokens" title={formatInt(e.totalTokens)}>
                              {formatCompact(e.totalTokens)}
                            </td>
                          )}
                          {state.metric !== 'cost' && (
                            <td class="num cost">
                              <Money value={e.totalCost} />
                            </td>
                          )}
                          <td class="num days">{e.activeDays}</td>
                          <td class="model">{e.topModel ? <a href={`/models/${encodeURIComponent(e.topModel)}`}>{e.topModel}</a> : '–'}</td>
                          <td>
                            <Sparkline values={spark} label={`${e.username}: ${metricLabel.toLowerCase()} over the last 30 days`} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            <nav class="pager" aria-label="Pages">
              {state.page > 1 && (
                <a href={withQuery(where, { [pageParam]: state.page - 1 === 1 ? undefined : state.page - 1 })} rel="prev">
                  ← Previous
                </a>
              )}
              <span>
                Page {state.page} of {Math.max(1, Math.ceil(board.total / PAGE_SIZE))}
              </span>
              {state.page * PAGE_SIZE < board.total && (
                <a href={withQuery(where, { [pageParam]: state.page + 1 })} rel="next">
                  Next →
                </a>
              )}
            </nav>
            <a class="csv" href={csvUrl(csvPath, { ...query })} download>
              CSV of this page
            </a>
          </>
        )}
      </Loaded>
    </>
  );
}

export function LeaderboardView({ where }: { where: Location }) {
  return (
    <Page title="Leaderboard">
      <h1>Leaderboard</h1>
      <Board
        where={where}
        name="leaderboard"
        csvPath="/api/v1/leaderboard"
        fetchBoard={(query) => data(api.GET('/api/v1/leaderboard', { params: { query: { ...query, sparklines: 'true' } } }))}
      />
    </Page>
  );
}
