import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { addCosts } from '../common/decimal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { bucketRange, type DayRange, recentBuckets } from '../read-model/periods.js';
import { addTotals, toInt, tokensOf } from '../read-model/token-sums.js';
import { bucketMasks, ModelsRepository, type ModelSumsRow, type Page } from './models.repository.js';
import type { ModelSeries, ModelSeriesQuery, Models, ModelsQuery, ModelsSeries, ModelsSeriesQuery, Providers } from './models.schemas.js';

const rangeOf = (q: ModelsQuery): DayRange | undefined => (q.from && q.to ? { from: q.from, to: q.to } : undefined);
const pageOf = (q: ModelsQuery): Page => ({ limit: q.limit, offset: q.offset });

function totalsOf(r: ModelSumsRow) {
  return {
    users: toInt(r.users),
    activeDays: toInt(r.activeDays),
    ...tokensOf(r),
    cost: r.cost,
    costShare: r.costShare === null ? 0 : Number(r.costShare),
  };
}

/** The range and page of a list answer; `total` counts every row, not just this page's. */
function answerBase(range: DayRange | undefined, page: Page, rows: ModelSumsRow[]) {
  return { from: range?.from ?? null, to: range?.to ?? null, total: rows[0] ? toInt(rows[0].total) : 0, limit: page.limit, offset: page.offset };
}

@Injectable()
export class ModelsService {
  constructor(
    private readonly repository: ModelsRepository,
    private readonly auth: AuthService,
    private readonly coalescer: ReadCoalescer,
  ) {}

  async models(caller: Principal, query: ModelsQuery): Promise<Models> {
    this.auth.requireReader(caller);
    const [range, page] = [rangeOf(query), pageOf(query)];
    return this.coalescer.run(`models|${range?.from}|${range?.to}|${page.limit}|${page.offset}`, async () => {
      const rows = await this.repository.breakdown(range, 'model', page);
      return { ...answerBase(range, page, rows), models: rows.map((r) => ({ model: r.key, provider: r.provider, ...totalsOf(r) })) };
    });
  }

  async providers(caller: Principal, query: ModelsQuery): Promise<Providers> {
    this.auth.requireReader(caller);
    const [range, page] = [rangeOf(query), pageOf(query)];
    return this.coalescer.run(`providers|${range?.from}|${range?.to}|${page.limit}|${page.offset}`, async () => {
      const rows = await this.repository.breakdown(range, 'provider', page);
      return { ...answerBase(range, page, rows), providers: rows.map((r) => ({ provider: r.key, ...totalsOf(r) })) };
    });
  }

  /**
   * The top models (or providers) by cost over a range, each as a series per bucket, and the rest
   * as one. Default range: all time, except by day (the last 90 days), so the buckets stay few.
   */
  async topSeries(caller: Principal, query: ModelsSeriesQuery): Promise<ModelsSeries> {
    this.auth.requireReader(caller);
    const today = utcDay(new Date());
    const { granularity, by, top } = query;
    const asked = query.from && query.to ? { from: query.from, to: query.to } : granularity === 'day' ? recentBuckets('day', today) : undefined;
    return this.coalescer.run(`models-series|${today}|${asked?.from}|${asked?.to}|${granularity}|${by}|${top}`, async () => {
      const [rows, bounds] = await Promise.all([this.repository.topSeries(asked, by, granularity, top), asked ?? this.repository.dataBounds()]);
      const series: ModelsSeries['series'] = [];
      for (const r of rows) {
        let current = series.at(-1);
        if (series.length < r.position) {
          current = { key: r.key, provider: r.provider, totals: { totalTokens: 0, cost: '0.0000' }, rows: [] };
          series.push(current);
        }
        current!.rows.push({ date: r.bucket, ...tokensOf(r), cost: r.cost });
      }
      for (const s of series) {
        s.totals = { totalTokens: s.rows.reduce((sum, r) => sum + r.totalTokens, 0), cost: addCosts(s.rows.map((r) => r.cost)) };
      }
      return { from: bounds?.from ?? today, to: bounds?.to ?? today, granularity, by, series };
    });
  }

  async series(caller: Principal, model: string, query: ModelSeriesQuery): Promise<ModelSeries> {
    this.auth.requireReader(caller);
    const [all] = await this.repository.breakdown(undefined, 'model', { limit: 1, offset: 0 }, model);
    if (!all) throw new DomainError(ErrorCode.NotFound, `No usage of the model ${JSON.stringify(model)} has been uploaded.`);
    const bounds = await this.repository.modelBounds(model);
    const range = { from: query.from ?? bounds.from, to: query.to ?? bounds.to };
    const rows = await this.repository.series(model, range, query.granularity);
    const users = await this.repository.usersPerBucket(
      model,
      bucketMasks(
        range,
        rows.map((r) => ({ bucket: r.bucket, range: bucketRange(query.granularity, r.bucket) })),
      ),
    );
    const out = rows.map((r) => ({
      date: r.bucket,
      users: users.get(r.bucket) ?? 0,
      activeDays: toInt(r.activeDays),
      ...tokensOf(r),
      cost: r.cost,
    }));
    return {
      model,
      provider: all.provider,
      from: range.from,
      to: range.to,
      granularity: query.granularity,
      rows: out,
      totals: addTotals(out.map((r) => ({ ...r, totalCost: r.cost }))),
    };
  }
}
