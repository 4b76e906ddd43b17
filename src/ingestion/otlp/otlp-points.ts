import {
  attributeMap,
  hashOf,
  inWindow,
  nanosOf,
  readScope,
  refuse,
  textOf,
  canonicalAttributes,
  type ResourceInfo,
  type ScopeInfo,
} from './otlp-attributes.js';
import { type NormaliseOptions } from './otlp-limits.js';
import { reasonOf as walkReason, type Run as WalkRun, walkResources } from './otlp-walk.js';
import {
  CLAUDE_CODE_METRICS,
  type ClaudeCodeMetric,
  type Decoded,
  type TelemetryPoint,
  type Temporality,
  type WireMetric,
  type WireMetricsRequest,
  type WireNumberDataPoint,
  type WireResourceMetrics,
  type WireScopeMetrics,
} from './otlp.types.js';

/**
 * A decoded ExportMetricsServiceRequest → Claude Code's data points, each checked on its own: a bad
 * point is refused (counted, with a reason for `partial_success`), other metrics are ignored, and the
 * work stops at the bounds of OtlpLimits (what is past them is refused, not examined). Never throws.
 * docs/otlp.md, "Points".
 */

const METRICS: ReadonlySet<string> = new Set(CLAUDE_CODE_METRICS);

/** Metrics that may be fractional; every other one counts whole things (tokens, sessions, lines, …). */
const FRACTIONAL: ReadonlySet<ClaudeCodeMetric> = new Set(['claude_code.cost.usage', 'claude_code.active_time.total']);

/** The point attributes kept; the others (query_source's siblings, custom ones) only enter the series key. */
const POINT_ATTRIBUTES = [
  'type',
  'model',
  'tool_name',
  'decision',
  'source',
  'language',
  'session.id',
  'terminal.type',
  'query_source',
  'anthropic.provider',
  'start_type',
  'user.id',
  'user.account_uuid',
  'user.email',
  'organization.id',
] as const;

/** What each metric needs to be counted at all: its `type` among these, a `model`, a `decision`, a `tool_name`. */
const REQUIRED: Partial<Record<ClaudeCodeMetric, { type?: readonly string[]; model?: true; decision?: readonly string[]; tool_name?: true }>> = {
  'claude_code.token.usage': { type: ['input', 'output', 'cacheRead', 'cacheCreation'], model: true },
  'claude_code.cost.usage': { model: true },
  'claude_code.lines_of_code.count': { type: ['added', 'removed'] },
  'claude_code.active_time.total': { type: ['user', 'cli'] },
  'claude_code.code_edit_tool.decision': { decision: ['accept', 'reject'], tool_name: true },
};

/** OTLP's AggregationTemporality: 1 delta, 2 cumulative (0, unspecified, is refused). */
const TEMPORALITY: Record<number, Temporality | undefined> = { 1: 'delta', 2: 'cumulative' };

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: a point that says there is nothing (ignored). */
const NO_RECORDED_VALUE = 1;

export function metricsToPoints(request: WireMetricsRequest, options: NormaliseOptions): Decoded<TelemetryPoint> {
  return walkResources(
    request.resourceMetrics,
    {
      resourceOf: (r: WireResourceMetrics) => r.resource,
      scopesOf: (r: WireResourceMetrics) => r.scopeMetrics,
      itemsIn: knownPointsIn,
      visitScope: scopePoints,
      unreadable: UNREADABLE,
    },
    options,
  );
}

/** Points of Claude Code's metrics looked at so far are counted against maxPoints. */
type Run = WalkRun<TelemetryPoint>;

const UNREADABLE = 'a point could not be read';

function scopePoints(scopeMetrics: WireScopeMetrics, resource: ResourceInfo, run: Run): void {
  const { limits, tally } = run;
  let scope: ScopeInfo;
  try {
    scope = readScope(scopeMetrics.scope, limits);
  } catch (error) {
    tally.refuse(knownPointsIn([scopeMetrics]), reasonOf(error));
    return;
  }
  const metrics = scopeMetrics.metrics ?? [];
  for (let m = 0; m < metrics.length; m++) {
    if (m >= limits.maxMetricsPerScope) {
      tally.refuse(knownPointsIn([{ metrics: metrics.slice(m) }]), `more than ${limits.maxMetricsPerScope} metrics in one scope`);
      break;
    }
    metricPoints(metrics[m], resource, scope, run);
  }
}

function metricPoints(metric: WireMetric, resource: ResourceInfo, scope: ScopeInfo, run: Run): void {
  const { limits, tally } = run;
  const name = metric.name ?? '';
  if (!METRICS.has(name)) {
    tally.ignored += pointsOf(metric);
    return;
  }
  const known = name as ClaudeCodeMetric;
  const sum = metric.sum;
  if (!sum) return tally.refuse(pointsOf(metric), `${known} must be a sum`);
  const points = sum.dataPoints ?? [];
  if (sum.isMonotonic !== true) return tally.refuse(points.length, `${known} must be a monotonic sum`);
  const temporality = TEMPORALITY[sum.aggregationTemporality ?? 0];
  if (!temporality) return tally.refuse(points.length, `${known} must have delta (1) or cumulative (2) aggregation temporality`);
  for (let p = 0; p < points.length; p++) {
    if (run.examined >= limits.maxPoints)
      return tally.refuse(points.length - p, `more than ${limits.maxPoints} points of Claude Code's metrics in one request`);
    run.examined++;
    if (((points[p].flags ?? 0) & NO_RECORDED_VALUE) !== 0) {
      tally.ignored++;
      continue;
    }
    try {
      tally.items.push(pointOf(points[p], known, temporality, resource, scope, run));
    } catch (error) {
      tally.refuse(1, reasonOf(error));
    }
  }
}

function pointOf(
  point: WireNumberDataPoint,
  metric: ClaudeCodeMetric,
  temporality: Temporality,
  resource: ResourceInfo,
  scope: ScopeInfo,
  run: Run,
): TelemetryPoint {
  const { limits, window } = run;
  const value = valueOf(point, metric);
  const timeUnixNano = nanosOf(point.timeUnixNano);
  const startTimeUnixNano = nanosOf(point.startTimeUnixNano);
  if (!inWindow(timeUnixNano, window)) refuse(`${metric}: a point's time is missing, before 2000 or too far ahead of the receiver's clock`);
  if (!inWindow(startTimeUnixNano, window)) refuse(`${metric}: a point's start time is missing, before 2000 or too far ahead of the receiver's clock`);
  if (startTimeUnixNano > timeUnixNano) refuse(`${metric}: a point starts after it ends`);

  const all = attributeMap(point.attributes, limits, `a ${metric} point`);
  const attributes: Record<string, string> = {};
  for (const key of POINT_ATTRIBUTES) {
    const text = textOf(all.get(key), key, limits);
    if (text !== undefined) attributes[key] = text;
  }
  const required = REQUIRED[metric];
  if (required?.type && !required.type.includes(attributes.type)) refuse(`${metric}: attribute type must be one of ${required.type.join(', ')}`);
  if (required?.decision && !required.decision.includes(attributes.decision))
    refuse(`${metric}: attribute decision must be one of ${required.decision.join(', ')}`);
  if (required?.model && attributes.model === undefined) refuse(`${metric}: attribute model is missing`);
  if (required?.tool_name && attributes.tool_name === undefined) refuse(`${metric}: attribute tool_name is missing`);

  return {
    metric,
    temporality,
    startTimeUnixNano,
    timeUnixNano,
    value,
    attributes,
    resource: resource.kept,
    scope: scope.name,
    seriesKey: hashOf('series', resource.hash, scope.hash, metric, temporality, canonicalAttributes(point.attributes)),
  };
}

/** asDouble or asInt, finite, ≥ 0, at most 2^53 - 1, and whole unless the metric is cost or time. */
function valueOf(point: WireNumberDataPoint, metric: ClaudeCodeMetric): number {
  let value: number;
  if (point.asDouble !== undefined) value = point.asDouble;
  else if (point.asInt !== undefined) value = Number(point.asInt);
  else return refuse(`${metric}: a point has no value`);
  if (!Number.isFinite(value)) refuse(`${metric}: a value is NaN or infinite`);
  if (value < 0) refuse(`${metric}: a value is negative`);
  if (value > Number.MAX_SAFE_INTEGER) refuse(`${metric}: a value is larger than 2^53 - 1`);
  if (!FRACTIONAL.has(metric) && !Number.isInteger(value)) refuse(`${metric}: a value is not a whole number`);
  return value === 0 ? 0 : value; // -0 → 0
}

/** A refusal's reason; anything else a hand-built request object could cause is refused too, not thrown. */
function reasonOf(error: unknown): string {
  return walkReason(error, UNREADABLE);
}

function pointsOf(metric: WireMetric): number {
  const kind = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return kind?.dataPoints?.length ?? 0;
}

/** Points of Claude Code's metrics in some scopes: what is refused when they are. */
function knownPointsIn(scopes: readonly WireScopeMetrics[]): number {
  let n = 0;
  for (const scope of scopes) for (const metric of scope.metrics ?? []) if (METRICS.has(metric.name ?? '')) n += pointsOf(metric);
  return n;
}
