import Type from 'typebox';
import { AppError, defineApp, method, query } from '../app.ts';

interface EntryRow {
  [column: string]: string | number;
  key: string;
  value: string;
  version: number;
  updated_at: number;
  updated_by: string;
}

const Key = Type.String({ minLength: 1, maxLength: 256 });
const Value = Type.String({ maxLength: 65536 });

/** A versioned key-value app: the smallest real app, used by tests and the subnet benchmark. */
export const kvApp = defineApp({
  name: 'kv',
  tables: [
    {
      name: 'entries',
      columns: { key: 'text', value: 'text', version: 'integer', updated_at: 'integer', updated_by: 'text' },
      primaryKey: ['key'],
    },
  ],
  methods: {
    /** Sets a value; with `expectVersion`, only if the entry is at that version (0: absent). */
    put: method(
      Type.Object({ key: Key, value: Value, expectVersion: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      (ctx, args) => {
        const current = ctx.store.get<EntryRow>('entries', args.key);
        const version = current?.version ?? 0;
        if (args.expectVersion !== undefined && args.expectVersion !== version) {
          throw new AppError('VERSION_MISMATCH', `${args.key} is at version ${version}, not ${args.expectVersion}`);
        }
        ctx.store.put('entries', { key: args.key, value: args.value, version: version + 1, updated_at: ctx.time, updated_by: ctx.caller });
        return { version: version + 1 };
      },
    ),
    /**
     * Compare-and-set on a register: sets `value` only if the entry's value is `expected`
     * (null: absent). A mismatch is an answer, not an error: `swapped` says which, and `found`
     * is the value it found, so a client can retry from it.
     */
    cas: method(
      Type.Object({ key: Key, expected: Type.Union([Value, Type.Null()]), value: Value }, { additionalProperties: false }),
      (ctx, args) => {
        const current = ctx.store.get<EntryRow>('entries', args.key);
        const found = current?.value ?? null;
        if (found !== args.expected) return { swapped: false, found };
        const version = (current?.version ?? 0) + 1;
        ctx.store.put('entries', { key: args.key, value: args.value, version, updated_at: ctx.time, updated_by: ctx.caller });
        return { swapped: true, found, version };
      },
    ),
    delete: method(Type.Object({ key: Key }, { additionalProperties: false }), (ctx, args) => ({
      deleted: ctx.store.delete('entries', args.key),
    })),
  },
  queries: {
    get: query(Type.Object({ key: Key }, { additionalProperties: false }), (ctx, args) => {
      const row = ctx.store.get<EntryRow>('entries', args.key);
      return row ? { value: row.value, version: row.version } : null;
    }),
    list: query(
      Type.Object(
        { prefix: Type.String({ maxLength: 256 }), limit: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      (ctx, args) =>
        ctx.store.select<{ key: string; value: string; version: number }>(
          'SELECT key, value, version FROM {entries} WHERE substr(key, 1, length(?)) = ? ORDER BY key LIMIT ?',
          args.prefix,
          args.prefix,
          args.limit,
        ),
    ),
  },
});
