/**
 * Every bound the OTLP decoder and normalisers keep, so that no request, however built, costs more
 * than these allow. Each is a parameter (the route may take them from config); docs/otlp.md, "Bounds",
 * says why each default is what it is.
 */
export interface OtlpLimits {
  /** Bytes of a body as received and again after gzip is inflated (a zip bomb stops here): 413. */
  maxBodyBytes: number;
  /**
   * Values the decoder may create (fields of the protobuf wire format, JSON containers and members),
   * counted before decoding so that a body of millions of tiny points is refused before it is built: 413.
   */
  maxValues: number;
  /** Nesting of JSON arrays and objects, checked before JSON.parse: 400. */
  maxJsonDepth: number;
  /** Nesting of protobuf messages, checked before decoding: 400. */
  maxMessageDepth: number;
  /** Resources in one request; the items of the rest are refused. */
  maxResources: number;
  /** Scopes in one resource; the items of the rest are refused. */
  maxScopesPerResource: number;
  /** Metrics in one scope; the points of the rest (Claude Code's metrics only) are refused. */
  maxMetricsPerScope: number;
  /** Points of Claude Code's metrics examined in one request; the rest are refused. */
  maxPoints: number;
  /** Log records examined in one request; the rest are refused. */
  maxLogRecords: number;
  /** Attributes of one point, record, resource or scope; more refuses its items. */
  maxAttributes: number;
  /** Characters of any attribute key; a longer one refuses its item. */
  maxAttributeKeyLength: number;
  /** Characters of a kept attribute's value; a longer one refuses its item (values are never cut). */
  maxAttributeValueLength: number;
  /** Oldest time a point or event may carry (Unix milliseconds). */
  notBeforeMs: number;
  /** How far past `now` a point or event may end (clock skew of the sender). */
  maxFutureMs: number;
  /** Distinct refusal reasons reported back. */
  maxReasons: number;
}

export const DEFAULT_OTLP_LIMITS: Readonly<OtlpLimits> = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxValues: 100_000,
  maxJsonDepth: 64,
  maxMessageDepth: 32,
  maxResources: 64,
  maxScopesPerResource: 64,
  maxMetricsPerScope: 256,
  maxPoints: 4_096,
  maxLogRecords: 4_096,
  maxAttributes: 128,
  maxAttributeKeyLength: 256,
  maxAttributeValueLength: 1024,
  notBeforeMs: Date.UTC(2000, 0, 1),
  maxFutureMs: 24 * 60 * 60 * 1000,
  maxReasons: 5,
});

/** The defaults with some bounds changed. */
export function otlpLimits(overrides: Partial<OtlpLimits> = {}): OtlpLimits {
  return { ...DEFAULT_OTLP_LIMITS, ...overrides };
}

/** What the normalisers (points and events) take besides the request. */
export interface NormaliseOptions {
  /** The receiver's clock (Unix ms): points and events may end at most `maxFutureMs` after it. */
  now: number;
  limits?: OtlpLimits;
}
