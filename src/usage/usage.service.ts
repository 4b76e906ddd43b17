import { groupBy } from '../common/collections.js';
import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { UsersService } from '../users/users.service.js';
import { toInt, UsageRepository } from './usage.repository.js';
import type { UsageRangeQuery, UserUsage } from './usage.schemas.js';

const tokensOf = (r: { input_tokens: string; output_tokens: string; cache_creation_input_tokens: string; cache_read_input_tokens: string }) => ({
  inputTokens: toInt(r.input_tokens),
  outputTokens: toInt(r.output_tokens),
  cacheCreationTokens: toInt(r.cache_creation_input_tokens),
  cacheReadTokens: toInt(r.cache_read_input_tokens),
});

@Injectable()
export class UsageService {
  constructor(
    private readonly repository: UsageRepository,
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  /** A user's usage per day, each day with its models, and the range's totals. */
  async userDays(caller: Principal, username: string, query: UsageRangeQuery): Promise<UserUsage> {
    this.auth.requireReader(caller);
    const user = await this.users.get(username);
    const range = await this.repository.dataRange(user.id);
    const from = query.from ?? range.first;
    const to = query.to ?? range.last;
    if (!from || !to) return { username: user.username, from: from ?? null, to: to ?? null, rows: [], totals: emptyTotals() };
    const [{ days, models }, totals] = await Promise.all([
      this.repository.userDays(user.id, from, to),
      this.repository.userTotals(user.id, from, to),
    ]);
    const modelsByDay = groupBy(models, (m) => m.date);
    return {
      username: user.username,
      from,
      to,
      rows: days.map((d) => ({
        date: d.date,
        ...tokensOf(d),
        totalTokens: toInt(d.total_tokens),
        totalCost: d.total_cost,
        models: (modelsByDay.get(d.date) ?? []).map((m) => {
          const tokens = tokensOf(m);
          return {
            model: m.model,
            provider: m.provider,
            ...tokens,
            totalTokens: tokens.inputTokens + tokens.outputTokens + tokens.cacheCreationTokens + tokens.cacheReadTokens,
            cost: m.cost,
          };
        }),
      })),
      totals: { ...tokensOf(totals), totalTokens: toInt(totals.total_tokens), totalCost: totals.total_cost },
    };
  }
}

export function emptyTotals() {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: '0.0000' };
}
