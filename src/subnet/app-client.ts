import type { Static, TSchema } from 'typebox';
import type { AppDefinition, MethodSpec, QuerySpec } from './app.ts';
import type { JsonValue } from './canonical-json.ts';
import type { CommandResult } from './results.ts';
import type { SubmitRequest } from './subnet.ts';

/** What the client needs of a replica: ordering commands and answering queries. */
export interface AppHost {
  submit(request: SubmitRequest): Promise<CommandResult>;
  query(app: string, name: string, args: unknown, caller: string): unknown;
}

type ArgsOf<S> =
  S extends MethodSpec<infer A extends TSchema, unknown>
    ? Static<A>
    : S extends QuerySpec<infer A extends TSchema, unknown>
      ? Static<A>
      : never;
type ResultOf<S> = S extends { run: (...args: never[]) => infer R } ? R : never;

/** A method's outcome with its value typed as the method returns it. */
export type TypedResult<R> = ({ ok: true; value: R } | { ok: false; error: { code: string; message: string; details?: JsonValue } }) & {
  id: string;
  height: number;
  block: number;
};

/**
 * Calls an app's methods and queries with names, arguments and results typed from its
 * `defineApp` definition: a renamed method or a wrong argument fails `tsc`, not a request.
 */
export interface AppClient<A extends AppDefinition> {
  run<M extends keyof A['methods'] & string>(
    method: M,
    args: ArgsOf<A['methods'][M]>,
    caller: string,
    id?: string,
  ): Promise<TypedResult<ResultOf<A['methods'][M]>>>;
  ask<Q extends keyof A['queries'] & string>(query: Q, args: ArgsOf<A['queries'][Q]>, caller: string): ResultOf<A['queries'][Q]>;
}

export function appClient<A extends AppDefinition>(host: AppHost, app: A): AppClient<A> {
  return {
    run: (method, args, caller, id) =>
      host.submit({ id, app: app.name, method, args: args as JsonValue, caller }) as Promise<TypedResult<never>>,
    ask: (name, args, caller) => host.query(app.name, name, args, caller) as never,
  };
}
