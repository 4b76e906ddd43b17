/**
 * Large valid ccusage reports, for the upload event-loop benchmark (bench/upload-event-loop.mjs)
 * and the tests that store the largest upload the server accepts. Plain JavaScript so that both
 * can import it.
 *
 * The shape is `ccusage claude daily --json` (docs/spec/ccusage-format.md): one row per day with its
 * `modelBreakdowns`; every day's totals are the sums of its models, so the report passes every rule
 * of the parser. Values are deterministic (a hash of day, model and variant) and of the magnitudes
 * real reports have. Model names are short and `modelsUsed` is left out (it is optional), so that a
 * byte budget holds as many day-model rows as a valid report can: the most work per byte of body.
 */

/** A deterministic unsigned 32-bit hash of a few integers (FNV-1a over their bytes). */
function hash(...parts) {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (part >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/** The UTC calendar day `offset` days from `end` (YYYY-MM-DD). */
function dayBefore(end, offset) {
  return new Date(Date.parse(`${end}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);
}

/** Yesterday in UTC: every day of a generated report is in the past, whatever the clock does meanwhile. */
export function yesterdayUtc() {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

export const modelName = (k) => `model-${String(k).padStart(3, '0')}`;

/**
 * A report of `days` consecutive days ending on `end` with `models` models each. A different
 * `variant` changes every value of every day (a corrected re-upload that rewrites everything).
 */
export function largeReport({ days, models, end = yesterdayUtc(), variant = 0 }) {
  const daily = [];
  for (let d = days - 1; d >= 0; d--) {
    const breakdowns = [];
    const day = { cacheCreationTokens: 0, cacheReadTokens: 0, inputTokens: 0, outputTokens: 0, totalCost: 0 };
    for (let k = 0; k < models; k++) {
      const h = (salt) => hash(d, k, variant, salt);
      const b = {
        cacheCreationTokens: h(1) % 400_000,
        cacheReadTokens: h(2) % 9_000_000,
        cost: (h(3) % 90_000) / 10_000,
        inputTokens: h(4) % 60_000,
        modelName: modelName(k),
        outputTokens: h(5) % 90_000,
      };
      breakdowns.push(b);
      day.cacheCreationTokens += b.cacheCreationTokens;
      day.cacheReadTokens += b.cacheReadTokens;
      day.inputTokens += b.inputTokens;
      day.outputTokens += b.outputTokens;
      // Summed in the breakdowns' order, as ccusage does: the parser compares exactly this float.
      day.totalCost += b.cost;
    }
    daily.push({
      cacheCreationTokens: day.cacheCreationTokens,
      cacheReadTokens: day.cacheReadTokens,
      date: dayBefore(end, d),
      inputTokens: day.inputTokens,
      modelBreakdowns: breakdowns,
      outputTokens: day.outputTokens,
      totalCost: day.totalCost,
      totalTokens: day.cacheCreationTokens + day.cacheReadTokens + day.inputTokens + day.outputTokens,
    });
  }
  return { daily };
}

/**
 * The report with `models` models a day and as many days as fit in `maxBytes` of compact JSON (at
 * most `maxDays`, the parser's cap): the largest upload a body limit lets through. Returns the
 * report, its JSON text and its size.
 */
export function largestReport({ maxBytes, models = 100, maxDays = 3660, end = yesterdayUtc(), variant = 0 }) {
  const bytesOf = (days) => Buffer.byteLength(JSON.stringify(largeReport({ days, models, end, variant })));
  const perDay = bytesOf(2) - bytesOf(1);
  // Day sizes vary by a few bytes with the values; estimate, then step down until it fits.
  let days = Math.min(maxDays, Math.floor(maxBytes / perDay));
  for (;;) {
    const report = largeReport({ days, models, end, variant });
    const text = JSON.stringify(report);
    const bytes = Buffer.byteLength(text);
    if (bytes <= maxBytes || days <= 1) return { report, text, bytes, days, models };
    days -= Math.max(1, Math.ceil((bytes - maxBytes) / perDay));
  }
}
