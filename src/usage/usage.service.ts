import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { groupBy } from '../common/collections.js';
import { addDays, utcDay } from '../common/dates.js';
import { withoutCost } from '../common/schema-parts.js';
import { UserDirectory, type UserRow } from '../directory/user-directory.js';
import { addTotals, EMPTY_TOTALS, sumsToTotals, toInt, tokensOf } from '../read-model/token-sums.js';
import { UsageRepository } from './usage.repository.js';
import type { UsageRangeQuery, UserProfile, UserUsage } from './usage.schemas.js';

@Injectable()
export class UsageService {
  constructor(
    private readonly repository: UsageRepository,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
  ) {}

  /** A user's usage per day, ISO week or month, with each bucket's models unless models=false. */
  async userUsage(caller: Principal, username: string, query: UsageRangeQuery): Promise<UserUsage> {
    this.auth.requireReader(caller);
    const { user, audience } = await this.users.seenBy(caller, username);
    const usage = await this.usageOf(user, query);
    return audience.seesCost(user.id) ? usage : withoutCost(usage);
  }

  private async usageOf(user: UserRow, query: UsageRangeQuery): Promise<UserUsage> {
    const range = await this.repository.dataRange(user.id);
    const from = query.from ?? range.first;
    const to = query.to ?? range.last;
    const base = { username: user.username, displayName: user.displayName, from: from ?? null, to: to ?? null, granularity: query.granularity };
    if (!from || !to) return { ...base, retiredMonths: [], rows: [], totals: EMPTY_TOTALS };
    const retired = await this.repository.retiredMonths({ from, to });
    const [buckets, models, totals] = await Promise.all([
      this.repository.userBuckets(user.id, from, to, query.granularity, retired),
      query.models ? this.repository.userModelBuckets(user.id, from, to, query.granularity, retired) : Promise.resolve([]),
      this.repository.userTotals(user.id, from, to, retired),
    ]);
    // A retired month's row and a live week's row can share a date (a week starting on the 1st).
    const key = (bucket: string, retiredRow: boolean) => `${bucket}|${retiredRow}`;
    const modelsByBucket = groupBy(models, (m) => key(m.bucket, m.retired));
    return {
      ...base,
      retiredMonths: retired,
      rows: buckets.map((b) => ({
        ...(b.retired ? { granularity: 'month' as const } : {}),
        date: b.bucket,
        activeDays: toInt(b.activeDays),
        ...sumsToTotals(b),
        ...(query.models
          ? {
              models: (modelsByBucket.get(key(b.bucket, b.retired)) ?? []).map((m) => ({
                model: m.model,
                provider: m.provider,
                ...tokensOf(m),
                cost: m.cost,
              })),
            }
          : {}),
      })),
      totals: sumsToTotals(totals),
    };
  }

  async profile(caller: Principal, username: string): Promise<UserProfile> {
    this.auth.requireReader(caller);
    const { user, audience } = await this.users.seenBy(caller, username);
    const profile = await this.profileOf(user);
    return audience.seesCost(user.id) ? profile : withoutCost(profile);
  }

  private async profileOf(user: UserRow): Promise<UserProfile> {
    const today = utcDay(new Date());
    const since = (days: number) => addDays(today, -(days - 1));
    const [range, all, week, month, top, devices] = await Promise.all([
      this.repository.dataRange(user.id),
      this.repository.allTimeTotals(user.id),
      this.repository.userBuckets(user.id, since(7), today, 'month'),
      this.repository.userBuckets(user.id, since(30), today, 'month'),
      this.repository.topModels(user.id, 10),
      this.repository.devices(user.id),
    ]);
    const window = (rows: Awaited<ReturnType<UsageRepository['userBuckets']>>) => ({
      ...addTotals(rows.map(sumsToTotals)),
      activeDays: rows.reduce((s, r) => s + toInt(r.activeDays), 0),
    });
    return {
      username: user.username,
      displayName: user.displayName,
      createdAt: user.createdAt.toISOString(),
      firstDate: range.first,
      lastDate: range.last,
      activeDays: all ? toInt(all.activeDays) : 0,
      totals: all ? sumsToTotals(all) : EMPTY_TOTALS,
      last7Days: window(week),
      last30Days: window(month),
      topModels: top.map((m) => ({
        model: m.model,
        provider: m.provider,
        totalTokens: toInt(m.totalTokens),
        cost: m.cost,
        costShare: m.share === null ? 0 : Number(m.share),
      })),
      devices: devices.map((d) => ({ device: d.device, days: toInt(d.days), lastUpload: d.lastUpload })),
    };
  }
}
