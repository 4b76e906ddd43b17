import { api, csvUrl, data, type Schemas } from '../api/client';
import { Chart, type ChartSpec } from '../charts/chart';
import { bucketsOf, formatCompact, formatCost, formatDuration, formatInt, type Granularity } from '../format';
import { type Location, withQuery } from '../router';
import { Choices, Loaded, Page, Stat, useLoad } from '../ui';
import { SPANS, spanState } from './ranges';
import { amount, fillWithheld, shown } from './withheld';

/** What Claude Code's telemetry reported over the range, when it reported anything (a withheld sum counts as something). */
function CommunityActivity({ activity: a }: { activity: Schemas['ActivitySummary'] }) {
  const sums = [a.sessions, a.linesAdded, a.linesRemoved, a.commits, a.pullRequests, a.activeTime, a.apiRequests, a.apiErrors];
  if (a.users === 0 && sums.every((v) => v === 0)) return null;
  return (
    <section>
      <h2>Activity</h2>
      <div class="stats" data-testid="summary-activity">
        <Stat label="Users with telemetry" value={formatInt(a.users)} />
        <Stat label="Sessions" value={shown(a.sessions, formatInt)} />
        <Stat label="Lines added" value={shown(a.linesAdded, formatInt)} />
        <Stat label="Lines removed" value={shown(a.linesRemoved, formatInt)} />
        <Stat label="Commits" value={shown(a.commits, formatInt)} />
        <Stat label="Pull requests" value={shown(a.pullRequests, formatInt)} />
        <Stat label="Active time" value={shown(a.activeTime, formatDuration)} title="Users’ and the CLI’s active time" />
        <Stat label="API requests" value={shown(a.apiRequests, formatInt)} />
        <Stat label="API errors" value={shown(a.apiErrors, formatInt)} />
      </div>
    </section>
  );
}

/** The community at a glance: totals, active users and cost per day, top users and models. */
export function SummaryView({ where }: { where: Location }) {
  const range = spanState(where, '30');
  const rangeQuery = range.from ? { from: range.from, to: range.to } : {};
  const granularity: Granularity = range.span === 'all' ? 'month' : range.span === '365' ? 'week' : 'day';
  const summary = useLoad(`summary|${JSON.stringify(rangeQuery)}`, () => data(api.GET('/api/v1/stats/summary', { params: { query: rangeQuery } })));
  // All time: the series over the summary's own bounds (the API's default is a recent window).
  const series = useLoad(`series|${JSON.stringify(rangeQuery)}|${granularity}`, async () => {
    const bounds = range.from ? rangeQuery : await data(api.GET('/api/v1/stats/summary', { params: { query: {} } }));
    const query = bounds.from && bounds.to ? { from: bounds.from, to: bounds.to, granularity } : { granularity };
    return { query, answer: await data(api.GET('/api/v1/stats/series', { params: { query } })) };
  });
  const topUsers = useLoad(`top-users|${JSON.stringify(rangeQuery)}`, () =>
    data(api.GET('/api/v1/leaderboard', { params: { query: { ...(range.from ? rangeQuery : { period: 'all' }), metric: 'cost', limit: 10 } } })),
  );
  const topModels = useLoad(`top-models|${JSON.stringify(rangeQuery)}`, () =>
    data(api.GET('/api/v1/models', { params: { query: { ...rangeQuery, limit: 10 } } })),
  );
  return (
    <Page title="Summary">
      <h1>Claude Code usage</h1>
      <div class="controls">
        <Choices label="Range" options={SPANS} current={range.span} href={(d) => withQuery(where, { days: d, from: undefined, to: undefined })} />
      </div>
      <Loaded load={summary}>
        {(s) => (
          <>
            <p class="range" data-testid="range">
              {s.from && s.to ? `${s.from} to ${s.to}` : 'No usage uploaded yet. See Get started.'}
            </p>
            <div class="stats" data-testid="summary">
              <Stat label="Members" value={formatInt(s.users)} />
              <Stat label="Active users" value={formatInt(s.activeUsers)} />
              <Stat
                label="Tokens"
                value={shown(s.totals.totalTokens, formatCompact)}
                title={s.totals.totalTokens === null ? undefined : formatInt(s.totals.totalTokens)}
              />
              <Stat label="Cost" value={shown(s.totals.totalCost, formatCost)} />
              <Stat label="Top model" value={s.topModel ? <a href={`/models/${encodeURIComponent(s.topModel.model)}`}>{s.topModel.model}</a> : '–'} />
              <Stat label="Top user" value={s.topUser ? <a href={`/u/${encodeURIComponent(s.topUser.username)}`}>{s.topUser.username}</a> : '–'} />
            </div>
            <CommunityActivity activity={s.activity} />
          </>
        )}
      </Loaded>
      <Loaded load={series}>
        {({ query, answer: s }) => {
          const buckets = s.rows.length > 0 ? bucketsOf(s.granularity, s.from, s.to) : [];
          // Withheld buckets (docs/privacy.md) are gaps in cost and tokens; active users are always counted.
          const [active, cost, tokens] = fillWithheld(s.rows, buckets, [(r) => r.activeUsers, (r) => amount(r.totalCost), (r) => r.totalTokens]);
          const csv = csvUrl('/api/v1/stats/series', query);
          const activeChart: ChartSpec = {
            id: 'active-users',
            title: `Active users per ${granularity}`,
            buckets,
            series: [{ label: 'Active users', values: active, kind: 'bar', format: formatInt }],
            leftFormat: formatInt,
            integers: true,
            csv,
          };
          const costChart: ChartSpec = {
            id: 'cost-per-day',
            title: `Cost and tokens per ${granularity}`,
            buckets,
            series: [
              { label: 'Cost', values: cost, kind: 'bar', format: formatCost },
              { label: 'Tokens', values: tokens, kind: 'line', axis: 'right' },
            ],
            leftFormat: (v) => `$${formatCompact(v)}`,
            csv,
          };
          return (
            <div class="grid2">
              <Chart spec={activeChart} />
              <Chart spec={costChart} />
            </div>
          );
        }}
      </Loaded>
      <div class="grid2">
        <section>
          <h2>Top users</h2>
          <Loaded load={topUsers}>
            {(b) => (
              <ol class="top" data-testid="top-users">
                {b.entries.map((e) => (
                  <li key={e.username}>
                    <a href={`/u/${encodeURIComponent(e.username)}`}>{e.username}</a> <span class="num">{formatCost(e.totalCost)}</span>
                  </li>
                ))}
              </ol>
            )}
          </Loaded>
          <a href="/leaderboard">Full leaderboard →</a>
        </section>
        <section>
          <h2>Top models</h2>
          <Loaded load={topModels}>
            {(m) => (
              <ol class="top" data-testid="top-models">
                {m.models.map((r) => (
                  <li key={r.model}>
                    <a href={`/models/${encodeURIComponent(r.model)}`}>{r.model}</a> <span class="num">{shown(r.cost, formatCost)}</span>
                  </li>
                ))}
              </ol>
            )}
          </Loaded>
          <a href="/models">All models →</a>
        </section>
      </div>
    </Page>
  );
}
