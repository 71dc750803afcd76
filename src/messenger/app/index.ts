import { defineApp } from '../../subnet/index.ts';
import { accountMethods, accountQueries, accountTables } from './accounts.ts';

/** The messenger's state machine on the subnet: every write a Matrix client makes is one of its methods. */
export const messengerApp = defineApp({
  name: 'messenger',
  tables: [...accountTables],
  methods: { ...accountMethods },
  queries: { ...accountQueries },
});
