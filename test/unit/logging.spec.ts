import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggerParams } from '../../src/common/logging.js';
import { parseConfig } from '../../src/config/config.schema.js';

type LevelOf = (req: IncomingMessage, res: ServerResponse, error?: Error) => string;

/** The level pino-http logs each answer at: 'silent' drops the line. */
function levelOf(env: Record<string, string>): LevelOf {
  const params = loggerParams(parseConfig({ NODE_ENV: 'test', ...env }));
  const options = (Array.isArray(params.pinoHttp) ? params.pinoHttp[0] : params.pinoHttp) as { customLogLevel: LevelOf };
  return options.customLogLevel;
}

const req = (url: string) => ({ url, method: 'GET' }) as IncomingMessage;
const res = (statusCode: number) => ({ statusCode }) as ServerResponse;

describe('request log levels', () => {
  it('drops successful probes and keeps everything else', () => {
    const level = levelOf({});
    expect(level(req('/health/live'), res(200))).toBe('silent');
    expect(level(req('/health/ready?verbose=1'), res(200))).toBe('silent');
    expect(level(req('/health/ready'), res(503))).toBe('info');
    expect(level(req('/health/live'), res(200), new Error('aborted'))).toBe('info');
    expect(level(req('/health'), res(200))).toBe('info');
    expect(level(req('/health/live/x'), res(404))).toBe('info');
    expect(level(req('/api/v1/leaderboard'), res(200))).toBe('info');
  });

  it('keeps successful probes too with LOG_PROBES=true', () => {
    const level = levelOf({ LOG_PROBES: 'true' });
    expect(level(req('/health/live'), res(200))).toBe('info');
    expect(level(req('/health/ready'), res(200))).toBe('info');
  });
});
