/**
 * What the activity reads should say, worked out here from the OTLP JSON a test sent: Claude Code's
 * metric and event names mapped to the API's fields as docs/otlp.md describes them, per UTC day of
 * each point's end time. Values are kept in millionths (activity_days keeps 6 places), so sums are
 * exact integers.
 */

export const ACTIVITY_FIELDS = [
  'sessions',
  'linesAdded',
  'linesRemoved',
  'commits',
  'pullRequests',
  'editsAccepted',
  'editsRejected',
  'activeTimeUser',
  'activeTimeCli',
  'apiRequests',
  'apiErrors',
] as const;
export type ActivityField = (typeof ACTIVITY_FIELDS)[number];
export type Fields = Record<ActivityField, number>;

interface WireValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
}
interface WireAttribute {
  key: string;
  value: WireValue;
}
interface WirePoint {
  attributes?: WireAttribute[];
  timeUnixNano: string | number;
  asDouble?: number;
  asInt?: number | string;
}
export interface MetricsJson {
  resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: WirePoint[] } }> }> }>;
}
export interface LogsJson {
  resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ timeUnixNano: string | number; attributes?: WireAttribute[] }> }> }>;
}

const MICRO = 1_000_000;

const attrs = (list: WireAttribute[] = []): Record<string, string> =>
  Object.fromEntries(list.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue ?? '')]));
const dayOf = (nanos: string | number) => new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString().slice(0, 10);

/** Activity per day (in millionths), edit decisions per `tool|language`, API requests and errors per model. */
export class ActivityTally {
  readonly days = new Map<string, Record<ActivityField, number>>();
  /** Per day: edit decisions per `tool|language`, API requests and errors per model. */
  readonly edits = new Map<string, Map<string, { accepted: number; rejected: number }>>();
  readonly api = new Map<string, Map<string, { requests: number; errors: number }>>();

  private add(day: string, field: ActivityField, micros: number): void {
    const row = this.days.get(day) ?? (Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f, 0])) as Record<ActivityField, number>);
    row[field] += micros;
    this.days.set(day, row);
  }

  /** Adds a metrics request as Claude Code's metrics count it (each point once). */
  metrics(body: MetricsJson): this {
    for (const rm of body.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics)
          for (const p of m.sum?.dataPoints ?? []) {
            const a = attrs(p.attributes);
            const micros = Math.round(Number(p.asDouble ?? p.asInt) * MICRO);
            const day = dayOf(p.timeUnixNano);
            switch (m.name) {
              case 'claude_code.session.count':
                this.add(day, 'sessions', micros);
                break;
              case 'claude_code.lines_of_code.count':
                this.add(day, a.type === 'removed' ? 'linesRemoved' : 'linesAdded', micros);
                break;
              case 'claude_code.commit.count':
                this.add(day, 'commits', micros);
                break;
              case 'claude_code.pull_request.count':
                this.add(day, 'pullRequests', micros);
                break;
              case 'claude_code.active_time.total':
                this.add(day, a.type === 'user' ? 'activeTimeUser' : 'activeTimeCli', micros);
                break;
              case 'claude_code.code_edit_tool.decision': {
                const accepted = a.decision === 'accept';
                this.add(day, accepted ? 'editsAccepted' : 'editsRejected', micros);
                const key = `${a.tool_name}|${a.language ?? ''}`;
                const perDay = this.edits.get(day) ?? new Map<string, { accepted: number; rejected: number }>();
                const e = perDay.get(key) ?? { accepted: 0, rejected: 0 };
                e[accepted ? 'accepted' : 'rejected'] += micros / MICRO;
                this.edits.set(day, perDay.set(key, e));
                break;
              }
            }
          }
    return this;
  }

  /** Adds a logs request: each api_request and api_error event counts one for its model. */
  logs(body: LogsJson): this {
    for (const rl of body.resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords) {
          const a = attrs(r.attributes);
          if (a['event.name'] !== 'api_request' && a['event.name'] !== 'api_error') continue;
          const request = a['event.name'] === 'api_request';
          const day = dayOf(r.timeUnixNano);
          this.add(day, request ? 'apiRequests' : 'apiErrors', MICRO);
          const model = a.model ?? '';
          const perDay = this.api.get(day) ?? new Map<string, { requests: number; errors: number }>();
          const e = perDay.get(model) ?? { requests: 0, errors: 0 };
          e[request ? 'requests' : 'errors'] += 1;
          this.api.set(day, perDay.set(model, e));
        }
    return this;
  }

  /** Edit decisions over [from, to], per `tool|language`. */
  editsIn(from: string, to: string): Map<string, { accepted: number; rejected: number }> {
    const out = new Map<string, { accepted: number; rejected: number }>();
    for (const [day, perDay] of this.edits) {
      if (day < from || day > to) continue;
      for (const [key, v] of perDay) {
        const e = out.get(key) ?? { accepted: 0, rejected: 0 };
        out.set(key, { accepted: e.accepted + v.accepted, rejected: e.rejected + v.rejected });
      }
    }
    return out;
  }

  /** API requests and errors over [from, to], per model. */
  apiIn(from: string, to: string): Map<string, { requests: number; errors: number }> {
    const out = new Map<string, { requests: number; errors: number }>();
    for (const [day, perDay] of this.api) {
      if (day < from || day > to) continue;
      for (const [key, v] of perDay) {
        const e = out.get(key) ?? { requests: 0, errors: 0 };
        out.set(key, { requests: e.requests + v.requests, errors: e.errors + v.errors });
      }
    }
    return out;
  }

  /** The sums of the days in [from, to] in millionths, unrounded. */
  micros(from: string, to: string): Fields {
    const total = Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f, 0])) as Fields;
    for (const [day, row] of this.days) if (day >= from && day <= to) for (const f of ACTIVITY_FIELDS) total[f] += row[f];
    return total;
  }

  /** The sums of the days in [from, to] as the API prints them (counts whole, seconds to 3 places). */
  sum(from: string, to: string, days: Iterable<string> = this.days.keys()): Fields {
    const total = Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f, 0])) as Fields;
    for (const day of days) {
      if (day < from || day > to) continue;
      const row = this.days.get(day);
      if (row) for (const f of ACTIVITY_FIELDS) total[f] += row[f];
    }
    return printed(total);
  }
}

/** Millionths as the API prints them: counts whole, seconds rounded half away from zero to 3 places. */
export function printed(micros: Fields): Fields {
  const out = { ...micros };
  for (const f of ACTIVITY_FIELDS) out[f] = f.startsWith('activeTime') ? Math.round(micros[f] / 1000) / 1000 : Math.round(micros[f] / MICRO);
  return out;
}

/** Monday of the ISO week of a day. */
export function isoMonday(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** A day's bucket label. */
export function bucketOf(granularity: 'day' | 'week' | 'month', day: string): string {
  return granularity === 'day' ? day : granularity === 'week' ? isoMonday(day) : `${day.slice(0, 7)}-01`;
}
