import { defineApp } from '../../subnet/index.ts';
import { accountMethods, accountQueries, accountTables } from './accounts.ts';
import { roomTables } from './room-tables.ts';
import { roomMethods, roomQueries } from './rooms.ts';

/** The messenger's state machine on the subnet: every write a Matrix client makes is one of its methods. */
export const messengerApp = defineApp({
  name: 'messenger',
  tables: [...accountTables, ...roomTables],
  methods: { ...accountMethods, ...roomMethods },
  queries: { ...accountQueries, ...roomQueries },
});
