import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { type Period, periodRange } from '../read-model/periods.js';
import type { Metric } from '../read-model/sums.js';
import type { Totals } from '../read-model/token-sums.js';
import { UsageService } from '../usage/usage.service.js';
import { formatCost, formatTokens } from './badge.format.js';
import type { BadgeQuery } from './badge.schemas.js';
import { type BadgeColor, renderBadge } from './badge.svg.js';

/** How each period reads on a badge: short, since the label shares a line with the value. */
const PERIOD_LABELS: Record<Period, string> = {
  today: 'today',
  '7d': '7d',
  '30d': '30d',
  '90d': '90d',
  week: 'this week',
  month: 'this month',
  year: 'this year',
  all: 'all time',
};

const tokens = (field: Exclude<keyof Totals, 'totalCost'>, noun: string) => (t: Totals) => {
  const count = t[field];
  return `${formatTokens(count)} ${count === 1 ? noun.replace(/s$/, '') : noun}`;
};

/** Each metric's value text and colour (a Record, so a new leaderboard metric cannot be forgotten here). */
const METRIC_VALUES: Record<Metric, { text: (t: Totals) => string; color: BadgeColor }> = {
  tokens: { text: tokens('totalTokens', 'tokens'), color: 'blue' },
  cost: { text: (t) => formatCost(t.totalCost), color: 'green' },
  input: { text: tokens('inputTokens', 'input tokens'), color: 'blue' },
  output: { text: tokens('outputTokens', 'output tokens'), color: 'blue' },
  cacheCreation: { text: tokens('cacheCreationTokens', 'cache write tokens'), color: 'orange' },
  cacheRead: { text: tokens('cacheReadTokens', 'cache read tokens'), color: 'orange' },
};

@Injectable()
export class BadgeService {
  constructor(private readonly usage: UsageService) {}

  /**
   * The badge of a user's totals over a period. The totals are those of GET /users/:username/usage
   * over the same days (retired months counted whole, the same reader check and 404), so a badge
   * never disagrees with the API.
   */
  async render(caller: Principal, username: string, query: BadgeQuery): Promise<string> {
    const range = periodRange(query.period, utcDay(new Date()));
    const { totals: seen } = await this.usage.userUsage(caller, username, { from: range?.from, to: range?.to, granularity: 'month', models: false });
    // A user who does not show their cost has no cost badge for this caller (their tokens still have one).
    if (seen.totalCost === null && query.metric === 'cost') throw new DomainError(ErrorCode.Forbidden, 'This user does not show their cost.');
    const totals: Totals = { ...seen, totalCost: seen.totalCost ?? '0.0000' };
    const metric = METRIC_VALUES[query.metric];
    const idle = totals.totalTokens === 0 && Number(totals.totalCost) === 0;
    return renderBadge({
      label: query.label ?? `claude code ${PERIOD_LABELS[query.period]}`,
      value: metric.text(totals),
      // Grey says "no usage in this period" at a glance, as shields greys inactive projects.
      color: idle ? 'grey' : metric.color,
      style: query.style,
    });
  }
}
