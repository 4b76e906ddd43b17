import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { UserDirectory } from '../directory/user-directory.js';
import type { ActivityMetric } from '../ledger/telemetry-ledger.js';
import type { DayRange } from '../read-model/periods.js';
import { ActivityRepository } from './activity.repository.js';
import { type ActivityQuery, type ActivitySummary, type ActivityTotals, resolveRange, type UserActivity } from './activity.schemas.js';

/** Where each field of a bucket comes from: a stored metric, and for active time its key. */
const FIELDS: ReadonlyArray<[keyof ActivityTotals, ActivityMetric, string]> = [
  ['sessions', 'sessions', ''],
  ['linesAdded', 'linesAdded', ''],
  ['linesRemoved', 'linesRemoved', ''],
  ['commits', 'commits', ''],
  ['pullRequests', 'pullRequests', ''],
  ['editsAccepted', 'editsAccepted', ''],
  ['editsRejected', 'editsRejected', ''],
  ['activeTimeUser', 'activeTime', 'user'],
  ['activeTimeCli', 'activeTime', 'cli'],
  ['apiRequests', 'apiRequests', ''],
  ['apiErrors', 'apiErrors', ''],
];

/** The metrics the summary reports (activeTime: both keys). */
const SUMMARY_METRICS = [
  'sessions',
  'linesAdded',
  'linesRemoved',
  'commits',
  'pullRequests',
  'activeTime',
  'apiRequests',
  'apiErrors',
] as const satisfies ActivityMetric[];

const emptyTotals = (): ActivityTotals => Object.fromEntries(FIELDS.map(([field]) => [field, 0])) as ActivityTotals;

/** `tool|language` → its two parts (tool names have no '|'; a key without one is a tool alone). */
function toolAndLanguage(key: string): { tool: string; language: string } {
  const bar = key.indexOf('|');
  return bar < 0 ? { tool: key, language: '' } : { tool: key.slice(0, bar), language: key.slice(bar + 1) };
}

/** What only Claude Code's telemetry reports, read for one user (GET /users/:username/activity) and for the summary. */
@Injectable()
export class ActivityService {
  constructor(
    private readonly repository: ActivityRepository,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
  ) {}

  async userActivity(caller: Principal, username: string, query: ActivityQuery): Promise<UserActivity> {
    this.auth.requireReader(caller);
    const { user } = await this.users.seenBy(caller, username);
    const range = resolveRange(query, utcDay(new Date()));
    const retired = await this.repository.retiredMonths(range);
    const [sums, edits, api] = await Promise.all([
      this.repository.userSums(user.id, range, query.granularity, retired),
      this.repository.keyedPairs(user.id, range, retired, 'editsAccepted', 'editsRejected', 'both'),
      this.repository.keyedPairs(user.id, range, retired, 'apiRequests', 'apiErrors', 'first'),
    ]);
    const totals = emptyTotals();
    const buckets = new Map<string, ActivityTotals>();
    const field = new Map(FIELDS.map(([name, metric, key]) => [`${metric}|${key}`, name]));
    for (const row of sums) {
      const name = field.get(`${row.metric}|${row.part}`);
      if (!name) continue;
      let target = totals;
      if (row.bucket !== null) {
        target = buckets.get(row.bucket) ?? emptyTotals();
        buckets.set(row.bucket, target);
      }
      target[name] = Number(row.value);
    }
    return {
      username: user.username,
      ...range,
      granularity: query.granularity,
      retiredMonths: retired,
      totals,
      // The rows arrive in bucket order, so the map's insertion order is ascending.
      rows: [...buckets].map(([date, values]) => ({ date, ...values })),
      editDecisions: edits.map((r) => ({ ...toolAndLanguage(r.key), accepted: Number(r.first), rejected: Number(r.second) })),
      apiByModel: api.map((r) => ({ model: r.key, requests: Number(r.first), errors: Number(r.second) })),
    };
  }

  /**
   * Every user's activity over a range, or all time; retired months the range cuts count whole
   * (their days are gone). `hidden`: the users the caller may not see; a metric with
   * exactly one of them among its users is withheld (docs/privacy.md, "Community totals").
   */
  async summary(range: DayRange | undefined, retired: ReadonlySet<string> = new Set(), hidden: number[] = []): Promise<ActivitySummary> {
    const { users, sums, hidden: hiddenUsers } = await this.repository.summary([...SUMMARY_METRICS], range, retired, hidden);
    let withheld = false;
    const value = (metric: ActivityMetric) => {
      if (hiddenUsers.get(metric) === 1) {
        withheld = true;
        return null;
      }
      return Number(sums.get(metric) ?? 0);
    };
    return {
      sessions: value('sessions'),
      linesAdded: value('linesAdded'),
      linesRemoved: value('linesRemoved'),
      commits: value('commits'),
      pullRequests: value('pullRequests'),
      activeTime: value('activeTime'),
      apiRequests: value('apiRequests'),
      apiErrors: value('apiErrors'),
      users,
      withheld,
    };
  }
}
