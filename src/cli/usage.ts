import { type ParseArgsConfig, parseArgs } from 'node:util';

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** parseArgs with usage errors the CLI prints with its help text. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false, allowNegative: true }).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliUsageError(`--port must be a number from 0 to 65535, not "${value}"`);
  return port;
}

/** An ISO 3166-1 alpha-2 code, upper-cased: `pk` is taken as `PK`. */
export function parseJurisdiction(value: string): string {
  const code = value.toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new CliUsageError(`a jurisdiction is a two-letter country code such as PK, not "${value}"`);
  return code;
}
