import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { addCosts } from '../common/decimal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { Audiences, viewerKey } from '../directory/audience.js';
import { bucketRange, type DayRange, recentBuckets } from '../read-model/periods.js';
import { addTotals, toInt, tokensOf } from '../read-model/token-sums.js';
import { type HiddenSets, hiddenSetsOf, partOf, shownTokens, shownTotals, unless, withholdingOf, withholdingOfSum } from '../read-model/withholding.js';
import { bucketMasks, ModelsRepository, type ModelSumsRow, type Page, seriesCell } from './models.repository.js';
import type { ModelSeries, ModelSeriesQuery, Models, ModelsQuery, ModelsSeries, ModelsSeriesQuery, Providers } from './models.schemas.js';

const rangeOf = (q: ModelsQuery): DayRange | undefined => (q.from && q.to ? { from: q.from, to: q.to } : undefined);
const pageOf = (q: ModelsQuery): Page => ({ limit: q.limit, offset: q.offset });

/**
 * A row as the caller may see it (docs/privacy.md, "Community totals"): withheld when exactly one
 * of its users is hidden from the caller, its money when exactly one hides it; the cost share also
 * when the cost of every row (its denominator, the summary's cost) has one such user.
 */
function totalsOf(r: ModelSumsRow, hidden: HiddenSets | undefined) {
  const w = withholdingOf(hidden ? partOf(r) : undefined);
  const everyCost = withholdingOf(hidden ? { hidden: 0, costHidden: Number(r.allCostHiddenUsers) } : undefined);
  return {
    users: toInt(r.users),
    activeDays: unless(w.withheld, toInt(r.activeDays)),
    ...shownTokens(tokensOf(r), w.withheld),
    cost: unless(w.costWithheld, r.cost),
    costShare: w.costWithheld || everyCost.costWithheld ? null : r.costShare === null ? 0 : Number(r.costShare),
    ...w,
  };
}

/** The range and page of a list answer; `total` counts every row, not just this page's. */
function answerBase(range: DayRange | undefined, page: Page, rows: ModelSumsRow[]) {
  return { from: range?.from ?? null, to: range?.to ?? null, total: rows[0] ? toInt(rows[0].total) : 0, limit: page.limit, offset: page.offset };
}

/** A sum of a series' cells: withheld when any of them is (docs/privacy.md). */
function seriesTotals(rows: ModelsSeries['series'][number]['rows']): ModelsSeries['series'][number]['totals'] {
  const w = withholdingOfSum(rows);
  // Withheld cells count nothing here: a sum with any of them is withheld itself.
  const tokens = rows.reduce((sum, r) => sum + (r.totalTokens ?? 0), 0);
  return { totalTokens: unless(w.withheld, tokens), cost: unless(w.costWithheld, addCosts(rows.map((r) => r.cost ?? '0'))), ...w };
}

@Injectable()
export class ModelsService {
  constructor(
    private readonly repository: ModelsRepository,
    private readonly auth: AuthService,
    private readonly coalescer: ReadCoalescer,
    private readonly audiences: Audiences,
  ) {}

  /** The hidden sets of the caller, read now (inside a shared computation, so a privacy change committed before the request holds). */
  private async hiddenFrom(caller: Principal): Promise<HiddenSets | undefined> {
    return hiddenSetsOf(await this.audiences.of(caller));
  }

  async models(caller: Principal, query: ModelsQuery): Promise<Models> {
    this.auth.requireReader(caller);
    const [range, page] = [rangeOf(query), pageOf(query)];
    return this.coalescer.run(`models|${viewerKey(caller)}|${range?.from}|${range?.to}|${page.limit}|${page.offset}`, async () => {
      const hidden = await this.hiddenFrom(caller);
      const rows = await this.repository.breakdown(range, 'model', page, { hidden });
      return { ...answerBase(range, page, rows), models: rows.map((r) => ({ model: r.key, provider: r.provider, ...totalsOf(r, hidden) })) };
    });
  }

  async providers(caller: Principal, query: ModelsQuery): Promise<Providers> {
    this.auth.requireReader(caller);
    const [range, page] = [rangeOf(query), pageOf(query)];
    return this.coalescer.run(`providers|${viewerKey(caller)}|${range?.from}|${range?.to}|${page.limit}|${page.offset}`, async () => {
      const hidden = await this.hiddenFrom(caller);
      const rows = await this.repository.breakdown(range, 'provider', page, { hidden });
      return { ...answerBase(range, page, rows), providers: rows.map((r) => ({ provider: r.key, ...totalsOf(r, hidden) })) };
    });
  }

  /**
   * The top models (or providers) by cost over a range, each as a series per bucket, and the rest
   * as one. Default range: all time, except by day (the last 90 days), so the buckets stay few.
   * Each (series, bucket) cell is withheld by the rule (docs/privacy.md), the rest as one cell.
   */
  async topSeries(caller: Principal, query: ModelsSeriesQuery): Promise<ModelsSeries> {
    this.auth.requireReader(caller);
    const today = utcDay(new Date());
    const { granularity, by, top } = query;
    const asked = query.from && query.to ? { from: query.from, to: query.to } : granularity === 'day' ? recentBuckets('day', today) : undefined;
    return this.coalescer.run(`models-series|${viewerKey(caller)}|${today}|${asked?.from}|${asked?.to}|${granularity}|${by}|${top}`, async () => {
      const hidden = await this.hiddenFrom(caller);
      const [rows, bounds] = await Promise.all([this.repository.topSeries(asked, by, granularity, top), asked ?? this.repository.dataBounds()]);
      const parts =
        hidden && bounds
          ? await this.repository.hiddenPerSeriesBucket(
              by,
              [...new Set(rows.filter((r) => r.key !== null).map((r) => r.key!))],
              bucketMasks(
                bounds,
                [...new Set(rows.map((r) => r.bucket))].map((bucket) => ({ bucket, range: bucketRange(granularity, bucket) })),
              ),
              hidden,
            )
          : undefined;
      const series: ModelsSeries['series'] = [];
      for (const r of rows) {
        let current = series.at(-1);
        if (series.length < r.position) {
          current = { key: r.key, provider: r.provider, totals: seriesTotals([]), rows: [] };
          series.push(current);
        }
        const w = withholdingOf(parts?.get(seriesCell(r.key, r.bucket)));
        current!.rows.push({ date: r.bucket, ...shownTokens(tokensOf(r), w.withheld), cost: unless(w.costWithheld, r.cost), ...w });
      }
      for (const s of series) s.totals = seriesTotals(s.rows);
      return { from: bounds?.from ?? today, to: bounds?.to ?? today, granularity, by, series };
    });
  }

  /** One model per bucket; a bucket with exactly one user the caller may not see is withheld, and so are the totals then (docs/privacy.md). */
  async series(caller: Principal, model: string, query: ModelSeriesQuery): Promise<ModelSeries> {
    this.auth.requireReader(caller);
    const [all] = await this.repository.breakdown(undefined, 'model', { limit: 1, offset: 0 }, { onlyModel: model });
    if (!all) throw new DomainError(ErrorCode.NotFound, `No usage of the model ${JSON.stringify(model)} has been uploaded.`);
    const bounds = await this.repository.modelBounds(model);
    const range = { from: query.from ?? bounds.from, to: query.to ?? bounds.to };
    const [rows, hidden] = await Promise.all([this.repository.series(model, range, query.granularity), this.hiddenFrom(caller)]);
    const masks = bucketMasks(
      range,
      rows.map((r) => ({ bucket: r.bucket, range: bucketRange(query.granularity, r.bucket) })),
    );
    const [users, parts] = await Promise.all([
      this.repository.usersPerBucket(model, masks),
      hidden ? this.repository.hiddenPerBucket(model, masks, hidden) : undefined,
    ]);
    const cells = rows.map((r) => ({ r, w: withholdingOf(parts?.get(r.bucket)) }));
    const out = cells.map(({ r, w }) => ({
      date: r.bucket,
      users: users.get(r.bucket) ?? 0,
      activeDays: unless(w.withheld, toInt(r.activeDays)),
      ...shownTokens(tokensOf(r), w.withheld),
      cost: unless(w.costWithheld, r.cost),
      ...w,
    }));
    return {
      model,
      provider: all.provider,
      from: range.from,
      to: range.to,
      granularity: query.granularity,
      rows: out,
      totals: shownTotals(addTotals(cells.map(({ r }) => ({ ...tokensOf(r), totalCost: r.cost }))), withholdingOfSum(cells.map(({ w }) => w))),
    };
  }
}
