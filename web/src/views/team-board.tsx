import { api, csvUrl, data, type Schemas } from '../api/client';
import { Chart, type ChartSpec } from '../charts/chart';
import { bucketsOf, fillSeries, formatCompact, formatCost, formatInt, type Granularity } from '../format';
import { type Location, withQuery } from '../router';
import { Choices, Loaded, Stat, UserName, useLoad } from '../ui';
import { tokenKindsChart } from './kinds-chart';
import { Board } from './leaderboard';
import { SPANS, spanState } from './ranges';

/** Who a team's numbers count, when not every member: the ones this viewer may see, and the money of those who show it. */
function Counted({ members, counted, costCounted }: { members: number; counted: number; costCounted: number }) {
  if (counted === members && costCounted === counted) return null;
  return (
    <p class="hint" data-testid="team-counted">
      {counted < members && `Counts the ${formatInt(counted)} of ${formatInt(members)} members you may see. `}
      {costCounted < counted && `Cost counts ${formatInt(costCounted)} of them: the others do not show their cost.`}
    </p>
  );
}

/**
 * The team at a glance over a span (`days` in the URL, as on the community summary): totals, active
 * members, top model and user, and the series by kind with cost and active members per bucket
 * (GET /teams/<slug>/summary and /series). All time: the series over the summary's own bounds.
 */
function TeamSummary({ slug, where }: { slug: string; where: Location }) {
  const range = spanState(where, '30');
  const rangeQuery = range.from && range.to ? { from: range.from, to: range.to } : {};
  const granularity: Granularity = range.span === 'all' ? 'month' : range.span === '365' ? 'week' : 'day';
  const summary = useLoad(`team-summary|${slug}|${JSON.stringify(rangeQuery)}`, () =>
    data(api.GET('/api/v1/teams/{slug}/summary', { params: { path: { slug }, query: rangeQuery } })),
  );
  const series = useLoad(`team-series|${slug}|${JSON.stringify(rangeQuery)}|${granularity}`, async () => {
    const bounds = range.from ? rangeQuery : await data(api.GET('/api/v1/teams/{slug}/summary', { params: { path: { slug }, query: {} } }));
    if (!bounds.from || !bounds.to) return null;
    const query = { from: bounds.from, to: bounds.to, granularity };
    return { query, answer: await data(api.GET('/api/v1/teams/{slug}/series', { params: { path: { slug }, query } })) };
  });
  const path = `/api/v1/teams/${encodeURIComponent(slug)}`;
  return (
    <section class="team-summary" data-testid="team-summary">
      <h2>Summary</h2>
      <div class="controls">
        <Choices label="Range" options={SPANS} current={range.span} href={(d) => withQuery(where, { days: d, from: undefined, to: undefined })} />
      </div>
      <Loaded load={summary}>
        {(s) => (
          <>
            <p class="range" data-testid="team-summary-range">
              {s.from && s.to ? `${s.from} to ${s.to}` : 'No usage in this range.'}
            </p>
            <div class="stats" data-testid="team-totals">
              <Stat label="Members" value={formatInt(s.members)} />
              <Stat label="Active members" value={formatInt(s.activeMembers)} />
              <Stat label="Tokens" value={formatCompact(s.totals.totalTokens)} title={formatInt(s.totals.totalTokens)} />
              <Stat label="Cost" value={formatCost(s.totals.totalCost)} />
              <Stat label="Top model" value={s.topModel ? <a href={`/models/${encodeURIComponent(s.topModel.model)}`}>{s.topModel.model}</a> : '–'} />
              <Stat label="Top user by cost" value={s.topUser ? <UserName username={s.topUser.username} displayName={s.topUser.displayName} /> : '–'} />
            </div>
            <Counted members={s.members} counted={s.membersCounted} costCounted={s.costMembersCounted} />
          </>
        )}
      </Loaded>
      <Loaded load={series}>
        {(loaded) => {
          if (!loaded) return null;
          const { query, answer } = loaded;
          const buckets = bucketsOf(answer.granularity, answer.from, answer.to);
          const [active] = fillSeries(answer.rows, buckets, [(r) => r.activeMembers]);
          const activeChart: ChartSpec = {
            id: 'team-active-members',
            title: `Active members per ${granularity}`,
            buckets,
            series: [{ label: 'Active members', values: active, kind: 'bar', format: formatInt }],
            leftFormat: formatInt,
            integers: true,
            csv: csvUrl(`${path}/series`, query),
          };
          return (
            <div class="grid2">
              <Chart
                spec={tokenKindsChart('team-tokens', `Tokens by kind, and cost, per ${granularity}`, answer.rows, buckets, csvUrl(`${path}/series`, query))}
              />
              <Chart spec={activeChart} />
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}

/**
 * The team's summary and leaderboard on its page. The board is the community board's controls,
 * pages and CSV over GET /teams/<slug>/leaderboard (the same query and answer, restricted to the
 * members the viewer may see). Its page is `boardPage` in the URL: `page` already pages the member
 * list below it.
 */
export function TeamBoard({ team, where }: { team: Schemas['Team']; where: Location }) {
  const slug = team.slug;
  return (
    <>
      <p class="hint">Each member’s usage over the whole range counts, whatever the day they joined.</p>
      <TeamSummary slug={slug} where={where} />
      <section class="team-board" data-testid="team-board">
        <h2>Leaderboard</h2>
        <Board
          where={where}
          name={`team|${slug}`}
          pageParam="boardPage"
          csvPath={`/api/v1/teams/${encodeURIComponent(slug)}/leaderboard`}
          fetchBoard={(query) => data(api.GET('/api/v1/teams/{slug}/leaderboard', { params: { path: { slug }, query: { ...query, sparklines: 'true' } } }))}
        />
      </section>
    </>
  );
}
