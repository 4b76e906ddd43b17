import { api, csvUrl, data, type Schemas } from '../api/client';
import { Chart, type ChartSpec } from '../charts/chart';
import { bucketsOf, fillSeries, formatCompact, formatCost, formatInt, formatShare } from '../format';
import { type Location, withQuery } from '../router';
import { Choices, Loaded, Page, Stat, useLoad } from '../ui';
import { kindBars } from './kinds-chart';
import { GRANULARITIES, granularityState, SPANS, spanState } from './ranges';
import { amount, fillWithheld, shown } from './withheld';

type Series = Schemas['ModelsSeries'];

type ModelUsage = Schemas['ModelSeries'];

/**
 * One model's tokens by kind (stacked) and cost per bucket; a withheld bucket (docs/privacy.md) is a
 * gap, not zero.
 */
function modelKindsChart(id: string, title: string, rows: ModelUsage['rows'], buckets: string[], csv: string): ChartSpec {
  const [input, output, cacheCreation, cacheRead, cost] = fillWithheld(rows, buckets, [
    (r) => r.inputTokens,
    (r) => r.outputTokens,
    (r) => r.cacheCreationTokens,
    (r) => r.cacheReadTokens,
    (r) => amount(r.cost),
  ]);
  return {
    id,
    title,
    buckets,
    stacked: true,
    csv,
    series: [...kindBars(input, output, cacheCreation, cacheRead), { label: 'Cost', values: cost, kind: 'line', axis: 'right', format: formatCost }],
    rightFormat: (v) => `$${formatCompact(v)}`,
  };
}

/** Shares of each bucket's total per model (or provider), as a 100 % stacked area; a bucket with a withheld cell is a gap. */
export function shareChart(
  id: string,
  title: string,
  answer: Series,
  pick: (row: Series['series'][number]['rows'][number]) => number | null,
  format: (v: number) => string,
): ChartSpec {
  const buckets = answer.from && answer.to ? bucketsOf(answer.granularity, answer.from, answer.to) : [];
  return {
    id,
    title,
    buckets,
    stacked: true,
    percent: true,
    series: answer.series.map((s) => ({
      label: s.key ?? (answer.by === 'provider' ? 'Other providers' : 'Other models'),
      values: fillWithheld(s.rows, buckets, [pick])[0],
      kind: 'area' as const,
      format,
    })),
  };
}

export function ModelsView({ where }: { where: Location }) {
  const range = spanState(where, '90');
  const granularity = where.query.get('granularity') ? granularityState(where) : range.span === 'all' || range.span === '365' ? 'month' : 'day';
  const by = where.query.get('by') === 'provider' ? 'provider' : 'model';
  const seriesQuery = { from: range.from, to: range.to, granularity, by, top: 8 } as const;
  const series = useLoad(`models-series|${JSON.stringify(seriesQuery)}`, () => data(api.GET('/api/v1/models/series', { params: { query: seriesQuery } })));
  const listQuery = { from: range.from, to: range.to, limit: 100, offset: 0 };
  const list = useLoad(`models-list|${by}|${JSON.stringify(listQuery)}`, () =>
    by === 'model'
      ? data(api.GET('/api/v1/models', { params: { query: listQuery } })).then((m) => ({ total: m.total, rows: m.models.map((r) => ({ key: r.model, ...r })) }))
      : data(api.GET('/api/v1/providers', { params: { query: listQuery } })).then((p) => ({
          total: p.total,
          rows: p.providers.map((r) => ({ key: r.provider, ...r })),
        })),
  );
  return (
    <Page title="Models">
      <h1>Models and providers</h1>
      <div class="controls">
        <Choices
          label="Range"
          options={SPANS}
          current={range.span}
          href={(d) => withQuery(where, { days: d, from: undefined, to: undefined, granularity: undefined })}
        />
        <Choices label="By" options={GRANULARITIES} current={granularity} href={(g) => withQuery(where, { granularity: g })} />
        <Choices
          label="Per"
          options={[
            ['model', 'Model'],
            ['provider', 'Provider'],
          ]}
          current={by}
          href={(b) => withQuery(where, { by: b === 'model' ? undefined : b })}
        />
      </div>
      <Loaded load={series}>
        {(s) => (
          <>
            <p class="range" data-testid="range">
              {s.from && s.to ? `${s.from} to ${s.to}` : 'No usage yet'}
            </p>
            <Chart spec={shareChart('token-share', `Share of tokens per ${by}`, s, (r) => r.totalTokens, formatCompact)} />
            <Chart spec={shareChart('cost-share', `Share of cost per ${by}`, s, (r) => amount(r.cost), formatCost)} />
          </>
        )}
      </Loaded>
      <Loaded load={list}>
        {(l) => (
          <section>
            <h2>{by === 'model' ? 'Models' : 'Providers'}</h2>
            <div class="scroll">
              <table class="models" data-testid="models-table">
                <thead>
                  <tr>
                    <th scope="col">{by === 'model' ? 'Model' : 'Provider'}</th>
                    {by === 'model' && <th scope="col">Provider</th>}
                    <th scope="col" class="num">
                      Users
                    </th>
                    <th scope="col" class="num">
                      Active days
                    </th>
                    <th scope="col" class="num">
                      Tokens
                    </th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                    <th scope="col" class="num">
                      Cost share
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {l.rows.map((r) => (
                    <tr key={r.key} data-key={r.key}>
                      <td>{by === 'model' ? <a href={`/models/${encodeURIComponent(r.key)}`}>{r.key}</a> : r.key}</td>
                      {by === 'model' && <td>{(r as { provider?: string }).provider}</td>}
                      <td class="num">{formatInt(r.users)}</td>
                      <td class="num">{shown(r.activeDays, formatInt)}</td>
                      <td class="num" title={r.totalTokens === null ? undefined : formatInt(r.totalTokens)}>
                        {shown(r.totalTokens, formatCompact)}
                      </td>
                      <td class="num">{shown(r.cost, formatCost)}</td>
                      <td class="num">{shown(r.costShare, formatShare)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {l.total > l.rows.length && <p class="hint">The 100 with the most cost of {formatInt(l.total)}.</p>}
            <a class="csv" href={csvUrl(by === 'model' ? '/api/v1/models' : '/api/v1/providers', listQuery)} download>
              CSV
            </a>
          </section>
        )}
      </Loaded>
    </Page>
  );
}

export function ModelView({ where, model }: { where: Location; model: string }) {
  const range = spanState(where, 'all');
  const granularity = where.query.get('granularity') ? granularityState(where) : range.span === '30' || range.span === '90' ? 'day' : 'week';
  const query = { from: range.from, to: range.to, granularity };
  const load = useLoad(`model|${model}|${JSON.stringify(query)}`, () => data(api.GET('/api/v1/models/{model}/usage', { params: { path: { model }, query } })));
  const path = `/api/v1/models/${encodeURIComponent(model)}/usage`;
  return (
    <Page title={model}>
      <h1 class="model-name">{model}</h1>
      <div class="controls">
        <Choices label="Range" options={SPANS} current={range.span} href={(d) => withQuery(where, { days: d, from: undefined, to: undefined })} />
        <Choices label="By" options={GRANULARITIES} current={granularity} href={(g) => withQuery(where, { granularity: g })} />
      </div>
      <Loaded load={load}>
        {(s) => {
          const buckets = s.from && s.to ? bucketsOf(s.granularity, s.from, s.to) : [];
          const users: ChartSpec = {
            id: 'model-users',
            title: `Users per ${granularity}`,
            buckets,
            series: [{ label: 'Users', values: fillSeries(s.rows, buckets, [(r) => r.users])[0], kind: 'bar', format: formatInt }],
            csv: csvUrl(path, query),
          };
          return (
            <>
              <p class="range" data-testid="range">
                {s.provider} · {s.from} to {s.to}
              </p>
              <div class="stats">
                <Stat
                  label="Tokens"
                  value={shown(s.totals.totalTokens, formatCompact)}
                  title={s.totals.totalTokens === null ? undefined : formatInt(s.totals.totalTokens)}
                />
                <Stat label="Cost" value={shown(s.totals.totalCost, formatCost)} />
                <Stat label="Input" value={shown(s.totals.inputTokens, formatCompact)} />
                <Stat label="Output" value={shown(s.totals.outputTokens, formatCompact)} />
              </div>
              <Chart spec={modelKindsChart('model-tokens', 'Tokens by kind, and cost', s.rows, buckets, csvUrl(path, query))} />
              <Chart spec={users} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
