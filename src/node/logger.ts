import { type DestinationStream, type Logger, pino } from 'pino';
import { pathOf } from './server.ts';

interface RequestLike {
  method?: string;
  url?: string;
  id?: string;
}

/**
 * Structured JSON logs. Requests are logged by method and path only: query strings may carry
 * access tokens, and headers carry them always. Known secret-bearing fields are redacted as
 * a second line of defence.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.WATAN_LOG_LEVEL ?? 'info',
      base: { service: 'watan' },
      serializers: {
        req: (req: RequestLike) => ({ id: req.id, method: req.method, path: pathOf(req.url ?? '') }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
      redact: {
        paths: [
          ...['password', 'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'token', 'authorization'].flatMap((name) => [
            `*.${name}`,
            `*.*.${name}`,
          ]),
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
