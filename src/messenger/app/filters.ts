import Type from 'typebox';
import { AppError, method, query, type TableSpec } from '../../subnet/index.ts';

/** Sync filters a client uploads once and names by id afterwards. */
export const filterTables: TableSpec[] = [
  { name: 'filters', columns: { user_id: 'text', filter_id: 'text', definition: 'text' }, primaryKey: ['user_id', 'filter_id'] },
];

export const filterMethods = {
  create_filter: method(Type.Object({ definition: Type.String({ maxLength: 16_384 }) }, { additionalProperties: false }), (ctx, args) => {
    const count = ctx.store.selectOne<{ n: number }>('SELECT count(*) AS n FROM {filters} WHERE user_id = ?', ctx.caller)?.n ?? 0;
    const filterId = String(count);
    ctx.store.insert('filters', { user_id: ctx.caller, filter_id: filterId, definition: args.definition });
    return { filter_id: filterId };
  }),
};

export const filterQueries = {
  filter: query(Type.Object({ filter_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }), (ctx, args) => {
    // Every sync of a client names its filter: kept until filters are written.
    const definition = ctx.store.remembered(
      'filter',
      `${ctx.caller}\n${args.filter_id}`,
      ['filters'],
      () => ctx.store.get<{ definition: string }>('filters', { user_id: ctx.caller, filter_id: args.filter_id })?.definition ?? null,
    );
    if (definition === null) throw new AppError('M_NOT_FOUND', `you have no filter ${args.filter_id}`);
    return definition;
  }),
};
