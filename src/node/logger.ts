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

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogCall = (...args: unknown[]) => void;

/**
 * Fastify gives every request a child logger, and pino's `child` serialises and redacts its
 * bindings at once: at thousands of requests a second that was a seventh of everything the
 * node allocated, for loggers that mostly never write. This one makes the pino child the
 * first time the request logs at a level that is on (at `info`, Fastify's own request log
 * line does so at once; at `warn` and above only requests with something to say do).
 */
export class RequestLogger {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  readonly #options: { level?: string };
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>, options: { level?: string } = {}) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }

  error(...args: unknown[]): void {
    this.#log('error', args);
  }

  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }

  info(...args: unknown[]): void {
    this.#log('info', args);
  }

  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }

  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }

  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return this.#child ? this.#child.isLevelEnabled(level) : this.#enabled(level);
  }

  child(bindings: Record<string, unknown>, options?: { level?: string }): Logger {
    return this.#logger().child(bindings, options);
  }

  #log(level: LevelName, args: unknown[]): void {
    if (!this.#child && !this.#enabled(level)) return;
    (this.#logger()[level] as LogCall)(...args);
  }

  #enabled(level: string): boolean {
    const own = this.#options.level;
    if (own === undefined) return this.#parent.isLevelEnabled(level);
    const values = this.#parent.levels.values;
    return (values[level] ?? 0) >= (values[own] ?? Number.POSITIVE_INFINITY);
  }

  #logger(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }
}
