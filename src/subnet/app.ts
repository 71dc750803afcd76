import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { JsonValue } from './canonical-json.ts';
import type { DeterministicRandom } from './random.ts';
import type { AppStore } from './store.ts';
import { assertIdentifier, type TableSpec } from './table.ts';

/** What an update method may know and touch: nothing but this (DESIGN.md §3). */
export interface AppContext {
  /** Milliseconds since the epoch, from the command, never less than the previous command's. */
  readonly time: number;
  readonly height: number;
  readonly commandId: string;
  readonly caller: string;
  readonly random: DeterministicRandom;
  readonly store: AppStore;
  /**
   * Runs another app's read-only query inside this command, against the state as this
   * command sees it (so every replica reads the same): how one app checks facts another
   * app owns — a builder app asking the messenger whether a person is verified.
   */
  readonly query: (app: string, name: string, args: unknown) => unknown;
}

/** What a read-only query sees: the local replica's state as of `height`. */
export interface QueryContext {
  readonly height: number;
  readonly caller: string;
  readonly store: AppStore;
  /** Another app's read-only query at the same height (a builder app asking who is verified). */
  readonly query: (app: string, name: string, args: unknown) => unknown;
}

export interface MethodSpec<S extends TSchema = TSchema, R = unknown> {
  readonly args: S;
  readonly run: (ctx: AppContext, args: Static<S>) => R;
}

export interface QuerySpec<S extends TSchema = TSchema, R = unknown> {
  readonly args: S;
  readonly run: (ctx: QueryContext, args: Static<S>) => R;
}

export interface AppDefinition {
  readonly name: string;
  readonly tables: readonly TableSpec[];
  // biome-ignore lint/suspicious/noExplicitAny: each method has its own argument and result types
  readonly methods: Readonly<Record<string, MethodSpec<any, any>>>;
  // biome-ignore lint/suspicious/noExplicitAny: likewise for queries
  readonly queries: Readonly<Record<string, QuerySpec<any, any>>>;
}

/**
 * A refusal the app means: recorded as the command's error result on every replica alike.
 * `code` is stable and machine-readable (an HTTP layer maps it, e.g. to a Matrix errcode).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: string;
  readonly details: JsonValue | undefined;

  constructor(code: string, message: string, details?: JsonValue) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function method<S extends TSchema, R>(args: S, run: (ctx: AppContext, args: Static<S>) => R): MethodSpec<S, R> {
  return { args, run };
}

export function query<S extends TSchema, R>(args: S, run: (ctx: QueryContext, args: Static<S>) => R): QuerySpec<S, R> {
  return { args, run };
}

export function defineApp<const A extends AppDefinition>(app: A): A {
  assertIdentifier('app', app.name);
  for (const name of [...Object.keys(app.methods), ...Object.keys(app.queries)]) assertIdentifier('method', name);
  return app;
}

type Validator = (value: unknown) => string | null;
const validators = new WeakMap<TSchema, Validator>();

/** Validates arguments against a method's schema; the first problem as a sentence, or null. */
export function checkArgs(schema: TSchema, value: unknown): string | null {
  let validator = validators.get(schema);
  if (!validator) {
    const compiled = Compile(schema);
    validator = (candidate) => {
      if (compiled.Check(candidate)) return null;
      const [first] = compiled.Errors(candidate);
      return first ? `${first.instancePath || 'arguments'} ${first.message}` : 'arguments do not match the schema';
    };
    validators.set(schema, validator);
  }
  return validator(value);
}
