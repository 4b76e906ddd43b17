/**
 * The settings that point Claude Code's own OpenTelemetry export at this server, as shell exports
 * and as the `env` block of a Claude Code settings file. Pure text, no DOM: the unit tier tests it.
 */

/** The server's rule for device names (src/ingestion/uploads.schemas.ts DEVICE_PATTERN). */
export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,63}$/;

export const TOKEN_PLACEHOLDER = '<your token>';
export const DEVICE_PLACEHOLDER = '<device>';

export interface TelemetryTarget {
  /** This server's origin: the exporter appends /v1/metrics and /v1/logs. */
  origin: string;
  /** The user's upload token, or undefined for the placeholder. */
  token?: string;
  /** The device name, or undefined: `$(hostname)` in the shell, a placeholder in JSON. */
  device?: string;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES holds `key=value` pairs whose values are percent-encoded (the
 * OpenTelemetry SDK decodes them); of the characters a device name may have, only the space needs it.
 */
function resourceValue(device: string): string {
  return device.replaceAll(' ', '%20');
}

/** The variables in order, with the device as given (or the placeholder). */
export function telemetryEnv(target: TelemetryTarget): Array<[string, string]> {
  const device = target.device ?? DEVICE_PLACEHOLDER;
  return [
    ['CLAUDE_CODE_ENABLE_TELEMETRY', '1'],
    ['OTEL_METRICS_EXPORTER', 'otlp'],
    ['OTEL_LOGS_EXPORTER', 'otlp'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', target.origin],
    ['OTEL_EXPORTER_OTLP_HEADERS', `Authorization=Bearer ${target.token ?? TOKEN_PLACEHOLDER}`],
    ['OTEL_RESOURCE_ATTRIBUTES', `ccstats.device=${device === DEVICE_PLACEHOLDER ? device : resourceValue(device)}`],
  ];
}

/** A word the shell reads back unchanged: bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `export NAME=value` lines; without a device the shell fills in `$(hostname)`, as the upload command does. */
export function shellExports(target: TelemetryTarget): string {
  return telemetryEnv(target)
    .map(([name, value]) =>
      name === 'OTEL_RESOURCE_ATTRIBUTES' && target.device === undefined ? `export ${name}="ccstats.device=$(hostname)"` : `export ${name}=${shellWord(value)}`,
    )
    .join('\n');
}

/** A Claude Code settings file (~/.claude/settings.json, managed-settings.json) with these variables in `env`. */
export function settingsJson(target: TelemetryTarget): string {
  return JSON.stringify({ env: Object.fromEntries(telemetryEnv(target)) }, null, 2);
}
