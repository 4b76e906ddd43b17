import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { addCosts } from '../usage/ccusage/decimal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { lastDayOfMonth, type DayRange } from '../usage/periods.js';
import { toInt } from '../usage/usage.repository.js';
import { bucketMasks, ModelsRepository, type ModelSumsRow } from './models.repository.js';
import type { ModelSeries, ModelSeriesQuery, Models, Providers } from './models.schemas.js';

function totalsOf(r: ModelSumsRow) {
  return {
    users: toInt(r.users),
    activeDays: toInt(r.active_days),
    inputTokens: toInt(r.input_tokens),
    outputTokens: toInt(r.output_tokens),
    cacheCreationTokens: toInt(r.cache_creation_input_tokens),
    cacheReadTokens: toInt(r.cache_read_input_tokens),
    totalTokens: toInt(r.total_tokens),
    cost: r.cost,
    costShare: r.cost_share === null ? 0 : Number(r.cost_share),
  };
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

@Injectable()
export class ModelsService {
  constructor(
    private readonly repository: ModelsRepository,
    private readonly auth: AuthService,
    private readonly coalescer: ReadCoalescer,
  ) {}

  async models(caller: Principal, range: DayRange | undefined): Promise<Models> {
    this.auth.requireReader(caller);
    return this.coalescer.run(`models|${range?.from}|${range?.to}`, async () => {
      const rows = await this.repository.breakdown(range, 'model');
      return { from: range?.from ?? null, to: range?.to ?? null, models: rows.map((r) => ({ model: r.key, provider: r.provider, ...totalsOf(r) })) };
    });
  }

  async providers(caller: Principal, range: DayRange | undefined): Promise<Providers> {
    this.auth.requireReader(caller);
    return this.coalescer.run(`providers|${range?.from}|${range?.to}`, async () => {
      const rows = await this.repository.breakdown(range, 'provider');
      return { from: range?.from ?? null, to: range?.to ?? null, providers: rows.map((r) => ({ provider: r.key, ...totalsOf(r) })) };
    });
  }

  async series(caller: Principal, model: string, query: ModelSeriesQuery): Promise<ModelSeries> {
    this.auth.requireReader(caller);
    const [all] = await this.repository.breakdown(undefined, 'model', model);
    if (!all) throw new DomainError(ErrorCode.NotFound, `No usage of the model ${JSON.stringify(model)} has been uploaded.`);
    const bounds = await this.repository.modelBounds(model);
    const range = { from: query.from ?? bounds.from, to: query.to ?? bounds.to };
    const rows = await this.repository.series(model, range, query.granularity);
    const bucketRange = (label: string): DayRange =>
      query.granularity === 'day' ? { from: label, to: label } : query.granularity === 'week' ? { from: label, to: addDays(label, 6) } : { from: label, to: lastDayOfMonth(label) };
    const users = await this.repository.usersPerBucket(model, bucketMasks(range, rows.map((r) => ({ bucket: r.bucket, range: bucketRange(r.bucket) }))));
    const out = rows.map((r) => ({
      date: r.bucket,
      users: users.get(r.bucket) ?? 0,
      activeDays: toInt(r.active_days),
      inputTokens: toInt(r.input_tokens),
      outputTokens: toInt(r.output_tokens),
      cacheCreationTokens: toInt(r.cache_creation_input_tokens),
      cacheReadTokens: toInt(r.cache_read_input_tokens),
      totalTokens: toInt(r.total_tokens),
      cost: r.cost,
    }));
    const sum = (k: 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens' | 'totalTokens') => out.reduce((s, r) => s + r[k], 0);
    return {
      model,
      provider: all.provider,
      from: range.from,
      to: range.to,
      granularity: query.granularity,
      rows: out,
      totals: {
        inputTokens: sum('inputTokens'),
        outputTokens: sum('outputTokens'),
        cacheCreationTokens: sum('cacheCreationTokens'),
        cacheReadTokens: sum('cacheReadTokens'),
        totalTokens: sum('totalTokens'),
        totalCost: addCosts(out.map((r) => r.cost)),
      },
    };
  }
}

