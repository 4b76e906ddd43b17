import { addDays, dayNumber } from '../common/dates.js';
import { Admission } from './admission.js';
import { type DayRange, lastDayOfMonth, monthMasks } from './periods.js';
import type { Metric } from './sums.js';
import type { Totals } from './token-sums.js';

/**
 * Every user's usage, in this process, sized for ranking: per user, the sums of each calendar month
 * (user_month_stats) and of each day from `windowStart` on (usage_stats). A ranking over any range
 * adds up whole months and, at most, two runs of recent days per user, in memory, instead of
 * scanning every user's rows in the database. RankingIndexService keeps it in step with the
 * database; this file is only the structure and its arithmetic, exact in integers:
 * token sums are integers below 2^53 (the API's own limit), costs are counted in ten-thousandths
 * of a dollar (DECIMAL(10,4)) and so are integers too.
 */

/** Values of a day, in this order; a month adds its active days. */
const FIELDS = 6;
const [INPUT, OUTPUT, CACHE_CREATION, CACHE_READ, TOTAL, COST] = [0, 1, 2, 3, 4, 5];
const MONTH_FIELDS = FIELDS + 1;
const ACTIVE = FIELDS;

const METRIC_FIELD: Record<Metric, number> = {
  cost: COST,
  tokens: TOTAL,
  input: INPUT,
  output: OUTPUT,
  cacheCreation: CACHE_CREATION,
  cacheRead: CACHE_READ,
};

/** A user's rows: months (as year*12 + month-1) and recent days (day numbers), each ascending, with their values. */
export interface UserRows {
  months: Int32Array;
  monthValues: Float64Array;
  days: Int32Array;
  dayValues: Float64Array;
}

/** A month's first day as year*12 + month-1. */
const monthKey = (day: string): number => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;

/** '12.3400' as 123400: exact, with no float arithmetic on fractions. */
export function costUnits(text: string): number {
  const negative = text.charCodeAt(0) === 45; // '-'
  const start = negative ? 1 : 0;
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text.slice(start) : text.slice(start, dot);
  let fraction = 0;
  if (dot >= 0) for (let i = 1; i <= 4; i++) fraction = fraction * 10 + (dot + i < text.length ? text.charCodeAt(dot + i) - 48 : 0);
  const units = Number(whole) * 10_000 + fraction;
  return negative ? -units : units;
}

/**
 * 'YYYY-MM-DD' as days since 1970-01-01, by arithmetic (the civil-from-days algorithm read
 * backwards): the same number as dayNumber() in common/dates.ts, without a Date.parse per row,
 * which was most of the time of building the index.
 */
export function dayOf(text: string): number {
  const y0 = Number(text.slice(0, 4));
  const m = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** 123400 as '12.3400', as the database's `money()` prints it. */
export function unitsToCost(units: number): string {
  const abs = Math.abs(units);
  const whole = Math.floor(abs / 10_000);
  return `${units < 0 ? '-' : ''}${whole}.${String(abs - whole * 10_000).padStart(4, '0')}`;
}

/**
 * Parses what the loader selects for one user: `date,input,output,cacheCreation,cacheRead,total,cost`
 * per day and the same with active days per month, rows separated by ';', in date order.
 */
export function parseUserRows(months: string | null, days: string | null): UserRows {
  const monthRows = months ? months.split(';') : [];
  const dayRows = days ? days.split(';') : [];
  const rows: UserRows = {
    months: new Int32Array(monthRows.length),
    monthValues: new Float64Array(monthRows.length * MONTH_FIELDS),
    days: new Int32Array(dayRows.length),
    dayValues: new Float64Array(dayRows.length * FIELDS),
  };
  monthRows.forEach((row, i) => {
    const [month, active, ...sums] = row.split(',');
    rows.months[i] = monthKey(month);
    writeSums(rows.monthValues, i * MONTH_FIELDS, sums);
    rows.monthValues[i * MONTH_FIELDS + ACTIVE] = Number(active);
  });
  dayRows.forEach((row, i) => {
    const [day, ...sums] = row.split(',');
    rows.days[i] = dayOf(day);
    writeSums(rows.dayValues, i * FIELDS, sums);
  });
  return rows;
}

function writeSums(target: Float64Array, at: number, sums: string[]): void {
  for (let f = 0; f < COST; f++) target[at + f] = Number(sums[f]);
  target[at + COST] = costUnits(sums[COST]);
}

/** What a range asks of the index: whole months, runs of days, and whether retired months made it coarser. */
interface Plan {
  key: string;
  /** All time: every month a user has, whichever they are (so the plan holds as users change). */
  everyMonth: boolean;
  months: number[];
  edges: Array<[number, number]>;
  granularity: 'day' | 'month';
}

export interface RankedEntry {
  userId: number;
  username: string;
  rank: number;
  totals: Totals;
  activeDays: number;
}

/** A user's place in a ranking; `value` is the metric as the API prints it (tokens as an integer, cost with four places). */
export interface UserRank {
  rank: number | null;
  total: number;
  value: string;
}

/** A metric's value as text: cost (held in ten-thousandths) as '12.3400', tokens as an integer. */
const metricText = (metric: Metric, value: number): string => (METRIC_FIELD[metric] === COST ? unitsToCost(value) : String(value));

export interface Ranking {
  total: number;
  granularity: 'day' | 'month';
  entries: RankedEntry[];
}

/**
 * Every user's sums over one plan, by the user's slot (MONTH_FIELDS values each), whether the user
 * has rows in it, and the present users' slots ordered per metric (computed when first asked). It
 * is brought up to date by redoing only the users changed since `version`.
 */
interface Aggregate {
  plan: Plan;
  version: number;
  values: Float64Array;
  present: Uint8Array;
  orders: Map<Metric, number[]>;
}

/** Users changed at most this many versions ago are redone one by one; more, and the aggregate is rebuilt. */
const MAX_INCREMENTAL = 256;
/** Cached plans (the named periods and a few custom ranges). */
const MAX_AGGREGATES = 12;

export class RankingIndex {
  private readonly users = new Map<number, UserRows>();
  /** Each user's position when ordered by username in the database's collation (ties rank in this order). */
  private order = new Map<number, number>();
  private names = new Map<number, string>();
  private version = 0;
  /** A permanent slot per user who ever had rows here: the index of the user's sums in every aggregate. */
  private readonly slots = new Map<number, number>();
  private readonly slotUsers: number[] = [];
  /** (version, user) of each user change, newest last; only the last MAX_INCREMENTAL are kept. */
  private changes: Array<[number, number]> = [];
  /** The newest version whose change was dropped from the log: aggregates older than it are rebuilt. */
  private forgottenThrough = 0;
  private readonly aggregates = new Map<string, Aggregate>();
  /** Each user's own version: bumped whenever the user's rows are set. */
  private readonly userVersions = new Map<number, number>();
  /** A user's top model over a range, as the caller computed it, valid while the user's version holds. */
  private readonly topModels = new Map<string, { version: number; model: string | null }>();

  /**
   * @param windowStart the first day whose daily rows the index holds (a month's first day); ranges
   *   with partial months before it are not answered here.
   * @param retired retired months, as first days: their days are gone and they count whole.
   */
  constructor(
    private windowStart: string,
    private retired: ReadonlySet<string>,
  ) {}

  get firstDay(): string {
    return this.windowStart;
  }

  /** Sets a user's rows (or removes the user, with undefined); the caller has the user's name in `names`. */
  setUser(userId: number, rows: UserRows | undefined): void {
    if (rows && (rows.months.length > 0 || rows.days.length > 0)) {
      this.users.set(userId, rows);
      this.slotOf(userId);
    } else {
      this.users.delete(userId);
    }
    this.version++;
    this.userVersions.set(userId, this.version);
    this.changes.push([this.version, userId]);
    if (this.changes.length > 2 * MAX_INCREMENTAL) {
      this.forgottenThrough = this.changes[this.changes.length - MAX_INCREMENTAL - 1][0];
      this.changes = this.changes.slice(-MAX_INCREMENTAL);
    }
  }

  /**
   * Top models (by cost, then tokens, then name) are not in the index: they are computed in SQL for
   * a page's users and kept here per range and user until that user's rows change, so a page of
   * users who did not upload since costs no query. At most TOP_MODEL_ENTRIES are kept.
   */
  cachedTopModels(range: DayRange | undefined, userIds: number[]): { known: Map<number, string | null>; missing: number[] } {
    const known = new Map<number, string | null>();
    const missing: number[] = [];
    for (const id of userIds) {
      const hit = this.topModels.get(topModelKey(range, id));
      if (hit && hit.version === (this.userVersions.get(id) ?? 0)) known.set(id, hit.model);
      else missing.push(id);
    }
    return { known, missing };
  }

  /** Remembers top models computed after this index was caught up (so never older than it). */
  rememberTopModels(range: DayRange | undefined, models: Map<number, string | null>, versions: Map<number, number>): void {
    for (const [id, model] of models) {
      const key = topModelKey(range, id);
      this.topModels.delete(key);
      this.topModels.set(key, { version: versions.get(id) ?? 0, model });
    }
    while (this.topModels.size > TOP_MODEL_ENTRIES) this.topModels.delete(this.topModels.keys().next().value as string);
  }

  /** Users' versions now: taken before their top models are computed. */
  versionsOf(userIds: number[]): Map<number, number> {
    return new Map(userIds.map((id) => [id, this.userVersions.get(id) ?? 0]));
  }

  /** Whether the index can order this user (has its name and collation position). */
  knows(userId: number): boolean {
    return this.order.has(userId);
  }

  /** Users in username order, as the database sorts them. */
  setUsernames(ordered: Array<{ id: number; username: string }>): void {
    this.order = new Map(ordered.map((u, i) => [u.id, i]));
    this.names = new Map(ordered.map((u) => [u.id, u.username]));
    this.version++;
  }

  /** Drops daily rows before a new, later window start (their months stay whole). */
  moveWindow(start: string): void {
    if (dayNumber(start) <= dayNumber(this.windowStart)) return;
    const first = dayNumber(start);
    for (const [id, rows] of this.users) {
      const from = lowerBound(rows.days, first);
      if (from === 0) continue;
      this.users.set(id, { ...rows, days: rows.days.slice(from), dayValues: rows.dayValues.slice(from * FIELDS) });
    }
    this.windowStart = start;
    this.version++;
    this.aggregates.clear();
  }

  /** How much it holds, for the logs and the docs: users, rows, and the bytes of their arrays. */
  size(): { users: number; months: number; days: number; bytes: number } {
    let months = 0;
    let days = 0;
    let bytes = 0;
    for (const rows of this.users.values()) {
      months += rows.months.length;
      days += rows.days.length;
      bytes += rows.months.byteLength + rows.monthValues.byteLength + rows.days.byteLength + rows.dayValues.byteLength;
    }
    return { users: this.users.size, months, days, bytes };
  }

  /**
   * Users ranked by a metric over a range (undefined: all time), as the SQL leaderboard ranks them:
   * ties share a rank and are ordered by username. Undefined when the range has a partial month
   * before the window that is not retired: the caller asks the database instead.
   */
  rank(range: DayRange | undefined, metric: Metric, limit: number, offset: number, admission: Admission = Admission.EVERYONE): Ranking | undefined {
    const plan = this.plan(range);
    if (!plan) return undefined;
    const aggregate = this.aggregate(plan);
    const order = this.ordered(aggregate, metric);
    const field = METRIC_FIELD[metric];
    const valueAt = (i: number) => aggregate.values[order[i] * MONTH_FIELDS + field];
    const entries: RankedEntry[] = [];
    if (!admission.everyone) {
      // Only admitted users count: walk the order, numbering them as if no one else were there.
      let seen = 0;
      let tieRank = 0;
      let previous = -1;
      for (let i = 0; i < order.length; i++) {
        if (!admission.admits(this.slotUsers[order[i]])) continue;
        if (previous < 0 || valueAt(i) !== valueAt(previous)) tieRank = seen + 1;
        previous = i;
        if (seen >= offset && seen < offset + limit) entries.push(this.entry(aggregate, order[i], tieRank));
        seen++;
      }
      return { total: seen, granularity: plan.granularity, entries };
    }
    const end = Math.min(order.length, offset + limit);
    if (offset < end) {
      // A tie's rank is one more than the users strictly ahead of it: walk back to the tie's start.
      let first = offset;
      while (first > 0 && valueAt(first - 1) === valueAt(offset)) first--;
      for (let i = offset; i < end; i++) {
        if (i > offset && valueAt(i) !== valueAt(i - 1)) first = i;
        entries.push(this.entry(aggregate, order[i], first + 1));
      }
    }
    return { total: order.length, granularity: plan.granularity, entries };
  }

  /**
   * One user's place in the ranking rank() gives for the same range and metric: the rank (one more
   * than the users strictly ahead, so ties share it), null when the user has no rows in the range;
   * the users ranked; and the user's value. Undefined when rank() would be.
   */
  rankOf(range: DayRange | undefined, metric: Metric, userId: number, admission: Admission = Admission.EVERYONE): UserRank | undefined {
    const plan = this.plan(range);
    if (!plan) return undefined;
    const aggregate = this.aggregate(plan);
    const order = this.ordered(aggregate, metric);
    const field = METRIC_FIELD[metric];
    const admitted = (from: number, to: number) => {
      if (admission.everyone) return to - from;
      let n = 0;
      for (let i = from; i < to; i++) if (admission.admits(this.slotUsers[order[i]])) n++;
      return n;
    };
    const total = admitted(0, order.length);
    const slot = this.slots.get(userId);
    if (slot === undefined || aggregate.present[slot] !== 1 || !admission.admits(userId)) return { rank: null, total, value: metricText(metric, 0) };
    const value = aggregate.values[slot * MONTH_FIELDS + field];
    // The order descends by value, so the users strictly ahead are a prefix of it: binary search.
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (aggregate.values[order[mid] * MONTH_FIELDS + field] > value) lo = mid + 1;
      else hi = mid;
    }
    return { rank: admitted(0, lo) + 1, total, value: metricText(metric, value) };
  }

  /**
   * Each listed user's value of a metric on every day of a range, oldest first ("0" or "0.0000" on
   * days without a row), from the daily rows. Undefined when the range starts before the window.
   */
  dailyValues(userIds: number[], range: DayRange, metric: Metric): Map<number, string[]> | undefined {
    const from = dayNumber(range.from);
    const to = dayNumber(range.to);
    if (from < dayNumber(this.windowStart) || to < from) return undefined;
    const field = METRIC_FIELD[metric];
    const text = (v: number) => metricText(metric, v);
    const out = new Map<number, string[]>();
    for (const id of userIds) {
      const values = new Array<number>(to - from + 1).fill(0);
      const rows = this.users.get(id);
      if (rows) {
        for (let d = lowerBound(rows.days, from); d < rows.days.length && rows.days[d] <= to; d++)
          values[rows.days[d] - from] = rows.dayValues[d * FIELDS + field];
      }
      out.set(id, values.map(text));
    }
    return out;
  }

  private entry(aggregate: Aggregate, slot: number, rank: number): RankedEntry {
    const v = aggregate.values;
    const at = slot * MONTH_FIELDS;
    const userId = this.slotUsers[slot];
    return {
      userId,
      username: this.names.get(userId) ?? '',
      rank,
      totals: {
        inputTokens: v[at + INPUT],
        outputTokens: v[at + OUTPUT],
        cacheCreationTokens: v[at + CACHE_CREATION],
        cacheReadTokens: v[at + CACHE_READ],
        totalTokens: v[at + TOTAL],
        totalCost: unitsToCost(v[at + COST]),
      },
      activeDays: v[at + ACTIVE],
    };
  }

  private plan(range: DayRange | undefined): Plan | undefined {
    if (!range) return { key: 'all', everyMonth: true, months: [], edges: [], granularity: this.retired.size > 0 ? 'month' : 'day' };
    const months: number[] = [];
    const edges: Array<[number, number]> = [];
    let granularity: Plan['granularity'] = 'day';
    const window = dayNumber(this.windowStart);
    for (const { month } of monthMasks(range)) {
      const retired = this.retired.has(month);
      if (retired) granularity = 'month';
      const monthEnd = lastDayOfMonth(month);
      const from = dayNumber(range.from) > dayNumber(month) ? range.from : month;
      const to = dayNumber(range.to) < dayNumber(monthEnd) ? range.to : monthEnd;
      if (retired || (from === month && to === monthEnd)) months.push(monthKey(month));
      else if (dayNumber(from) >= window) edges.push([dayNumber(from), dayNumber(to)]);
      else return undefined;
    }
    return { key: `${range.from}|${range.to}`, everyMonth: false, months, edges, granularity };
  }

  private slotOf(userId: number): number {
    let slot = this.slots.get(userId);
    if (slot === undefined) {
      slot = this.slotUsers.length;
      this.slots.set(userId, slot);
      this.slotUsers.push(userId);
    }
    return slot;
  }

  /** The plan's sums per user, brought up to date (only the users changed since, when they are few). */
  private aggregate(plan: Plan): Aggregate {
    const cached = this.aggregates.get(plan.key);
    let aggregate: Aggregate | undefined = cached;
    if (aggregate && aggregate.version !== this.version) {
      const changed = this.changedSince(aggregate.version);
      if (changed && aggregate.present.length >= this.slotUsers.length) {
        for (const userId of changed) this.redo(aggregate, userId);
        aggregate.version = this.version;
      } else {
        aggregate = undefined;
      }
    }
    if (!aggregate) {
      aggregate = {
        plan,
        version: this.version,
        // Room for a quarter more users: new users are redone into it until it is full.
        values: new Float64Array((16 + Math.ceil(this.slotUsers.length * 1.25)) * MONTH_FIELDS),
        present: new Uint8Array(16 + Math.ceil(this.slotUsers.length * 1.25)),
        orders: new Map(),
      };
      for (const [userId, rows] of this.users) {
        const slot = this.slots.get(userId)!;
        aggregate.present[slot] = sumInto(rows, plan, aggregate.values, slot * MONTH_FIELDS) ? 1 : 0;
      }
    }
    this.aggregates.delete(plan.key);
    this.aggregates.set(plan.key, aggregate);
    while (this.aggregates.size > MAX_AGGREGATES) this.aggregates.delete(this.aggregates.keys().next().value as string);
    return aggregate;
  }

  /** The users changed after `version`, or undefined when the log no longer reaches back that far or they are many. */
  private changedSince(version: number): Set<number> | undefined {
    if (this.forgottenThrough > version) return undefined;
    const changed = new Set<number>();
    for (let i = this.changes.length - 1; i >= 0 && this.changes[i][0] > version; i--) {
      changed.add(this.changes[i][1]);
      if (changed.size > MAX_INCREMENTAL) return undefined;
    }
    return changed;
  }

  /** One user's sums over the aggregate's plan again, moved to their new place in every order. */
  private redo(aggregate: Aggregate, userId: number): void {
    const slot = this.slots.get(userId);
    if (slot === undefined) return; // never had rows: nothing to redo
    const wasPresent = aggregate.present[slot] === 1;
    for (const [metric, order] of aggregate.orders) {
      if (!wasPresent) continue;
      const at = order.indexOf(slot);
      if (at >= 0) order.splice(at, 1);
      else aggregate.orders.delete(metric); // cannot happen; recomputed on demand if it does
    }
    const rows = this.users.get(userId);
    const at = slot * MONTH_FIELDS;
    aggregate.values.fill(0, at, at + MONTH_FIELDS);
    const present = rows !== undefined && sumInto(rows, aggregate.plan, aggregate.values, at);
    aggregate.present[slot] = present ? 1 : 0;
    if (!present) return;
    for (const [metric, order] of aggregate.orders) order.splice(this.insertionPoint(aggregate, order, metric, slot), 0, slot);
  }

  /** Slots ranked by a metric (descending), ties by username as the database orders them. */
  private ordered(aggregate: Aggregate, metric: Metric): number[] {
    const cached = aggregate.orders.get(metric);
    if (cached) return cached;
    const field = METRIC_FIELD[metric];
    const v = aggregate.values;
    const positions = this.slotUsers.map((id) => this.order.get(id) ?? Number.MAX_SAFE_INTEGER);
    const order: number[] = [];
    for (let slot = 0; slot < this.slotUsers.length; slot++) if (aggregate.present[slot] === 1) order.push(slot);
    order.sort((a, b) => v[b * MONTH_FIELDS + field] - v[a * MONTH_FIELDS + field] || positions[a] - positions[b]);
    aggregate.orders.set(metric, order);
    return order;
  }

  /** Where a slot goes in an order (binary search on the same comparison as the sort). */
  private insertionPoint(aggregate: Aggregate, order: number[], metric: Metric, slot: number): number {
    const field = METRIC_FIELD[metric];
    const v = aggregate.values;
    const value = v[slot * MONTH_FIELDS + field];
    const position = this.order.get(this.slotUsers[slot]) ?? Number.MAX_SAFE_INTEGER;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = order[mid];
      const otherValue = v[other * MONTH_FIELDS + field];
      const before = otherValue > value || (otherValue === value && (this.order.get(this.slotUsers[other]) ?? Number.MAX_SAFE_INTEGER) < position);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Adds a user's rows over a plan into `values` at `at` (MONTH_FIELDS values: the six sums and the
 * active days): whole months from the monthly sums, the ends from the days. Answers whether the
 * user has any row in the plan (a user with rows of zeros still ranks, as in SQL).
 */
function sumInto(rows: UserRows, plan: Plan, values: Float64Array, at: number): boolean {
  let present = false;
  if (plan.everyMonth) {
    for (let i = 0; i < rows.monthValues.length; i++) values[at + (i % MONTH_FIELDS)] += rows.monthValues[i];
    return rows.months.length > 0;
  }
  // Whole months: both lists ascend, so one merge pass.
  let i = plan.months.length > 0 ? lowerBound(rows.months, plan.months[0]) : rows.months.length;
  for (const month of plan.months) {
    while (i < rows.months.length && rows.months[i] < month) i++;
    if (i < rows.months.length && rows.months[i] === month) {
      present = true;
      const src = i * MONTH_FIELDS;
      for (let f = 0; f < MONTH_FIELDS; f++) values[at + f] += rows.monthValues[src + f];
    }
  }
  for (const [from, to] of plan.edges) {
    for (let d = lowerBound(rows.days, from); d < rows.days.length && rows.days[d] <= to; d++) {
      present = true;
      const src = d * FIELDS;
      for (let f = 0; f < FIELDS; f++) values[at + f] += rows.dayValues[src + f];
      values[at + ACTIVE] += 1;
    }
  }
  return present;
}

const TOP_MODEL_ENTRIES = 50_000;
const topModelKey = (range: DayRange | undefined, userId: number) => `${range ? `${range.from}|${range.to}` : 'all'}|${userId}`;

/** The first index whose value is ≥ `value` in an ascending array. */
function lowerBound(values: Int32Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The window the service keeps: from the first day of the month `days` before today. */
export function windowStartFor(today: string, days: number): string {
  return `${addDays(today, -days).slice(0, 7)}-01`;
}
