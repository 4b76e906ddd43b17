import protobuf from 'protobufjs/light.js';
import { LogsResponseType, MetricsResponseType } from './otlp-proto.js';

export type OtlpSignal = 'metrics' | 'logs';
export type OtlpBodyFormat = 'protobuf' | 'json';

/** How many items a request's answer reports refused, and why (the first reasons, joined). */
export interface OtlpOutcome {
  rejected: number;
  errorMessage: string;
}

/**
 * The success body of OTLP/HTTP (ExportMetricsServiceResponse, ExportLogsServiceResponse), in the
 * request's own encoding. `partial_success` is set only when something was refused, as the
 * specification asks: a full success is an empty message (no bytes, or `{}`). Encoded by protobufjs
 * from the same descriptor that decodes requests.
 */
export function exportResponse(signal: OtlpSignal, format: OtlpBodyFormat, outcome: OtlpOutcome): Buffer | string {
  const type = signal === 'metrics' ? MetricsResponseType : LogsResponseType;
  const counted = signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedLogRecords';
  const fields = outcome.rejected > 0 ? { partialSuccess: { [counted]: outcome.rejected, errorMessage: outcome.errorMessage } } : {};
  const message = type.fromObject(fields);
  if (format === 'protobuf') return Buffer.from(type.encode(message).finish());
  // ProtoJSON: lowerCamelCase names, 64-bit integers as decimal strings.
  return JSON.stringify(type.toObject(message, { longs: String, defaults: false }));
}

/** google.rpc.Status, the body of every OTLP/HTTP failure (the spec leaves `code` optional; `details` is not used). */
const StatusType = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));

/** A failure body in the request's encoding: `message` says what was wrong (the problem's detail). */
export function failureResponse(format: OtlpBodyFormat, message: string): Buffer | string {
  const status = StatusType.fromObject({ message });
  if (format === 'protobuf') return Buffer.from(StatusType.encode(status).finish());
  return JSON.stringify({ message });
}
