import protobuf from 'protobufjs/light.js';
import { OTLP_PROTO_DESCRIPTOR } from './otlp-proto.descriptor.js';

/**
 * The OTLP messages as protobufjs reflection types, built once from the descriptor generated from the
 * official .proto files (proto/README.md). protobufjs compiles a decoder and converters per type on
 * first use; nothing here is written by hand.
 */
const root = protobuf.Root.fromJSON(OTLP_PROTO_DESCRIPTOR);
// Links every field to its message or enum type (Field.resolvedType), which the pre-decode scan reads.
root.resolveAll();

export const MetricsRequestType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
export const LogsRequestType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');

/** protobufjs's plain-object form that the Wire* types of otlp.types.ts describe. */
export const PLAIN_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, oneofs: false };

export const MetricsResponseType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
export const LogsResponseType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
