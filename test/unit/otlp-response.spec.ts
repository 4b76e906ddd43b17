import { LogsResponseType, MetricsResponseType } from '../../src/ingestion/otlp/otlp-proto.js';
import { exportResponse } from '../../src/ingestion/otlp/otlp-response.js';

describe('OTLP export responses', () => {
  it('is an empty message when nothing was refused, in either encoding', () => {
    expect(exportResponse('metrics', 'protobuf', { rejected: 0, errorMessage: '' })).toHaveLength(0);
    expect(exportResponse('logs', 'json', { rejected: 0, errorMessage: 'ignored' })).toBe('{}');
  });

  it('reports refused points of a metrics request as partial_success', () => {
    const outcome = { rejected: 3, errorMessage: 'claude_code.token.usage: a value is not a whole number' };
    expect(JSON.parse(exportResponse('metrics', 'json', outcome) as string)).toEqual({
      partialSuccess: { rejectedDataPoints: '3', errorMessage: outcome.errorMessage },
    });
    const decoded = MetricsResponseType.toObject(MetricsResponseType.decode(exportResponse('metrics', 'protobuf', outcome) as Buffer), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { rejectedDataPoints: 3, errorMessage: outcome.errorMessage } });
  });

  it('reports refused log records of a logs request, counts beyond 32 bits included', () => {
    const outcome = { rejected: 2 ** 40 + 1, errorMessage: 'more than 4096 log records in one request' };
    expect(JSON.parse(exportResponse('logs', 'json', outcome) as string)).toEqual({
      partialSuccess: { rejectedLogRecords: String(2 ** 40 + 1), errorMessage: outcome.errorMessage },
    });
    const decoded = LogsResponseType.toObject(LogsResponseType.decode(exportResponse('logs', 'protobuf', outcome) as Buffer), { longs: String });
    expect(decoded).toEqual({ partialSuccess: { rejectedLogRecords: String(2 ** 40 + 1), errorMessage: outcome.errorMessage } });
  });
});
