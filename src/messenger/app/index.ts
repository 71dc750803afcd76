import { defineApp } from '../../subnet/index.ts';
import { accountDataMethods, accountDataQueries, accountDataTables } from './account-data.ts';
import { accountMethods, accountQueries, accountTables, deviceMethods } from './accounts.ts';
import { directoryMethods, directoryQueries, directoryTables } from './directory.ts';
import { filterMethods, filterQueries, filterTables } from './filters.ts';
import { identityBindingMethods, identityBindingQueries, identityBindingTables } from './identity-bindings.ts';
import { mediaMethods, mediaQueries, mediaTables } from './media.ts';
import { pushRuleMethods, pushRuleQueries, pushRuleTables } from './push-rules.ts';
import { receiptMethods, receiptTables } from './receipts.ts';
import { roomTables } from './room-tables.ts';
import { roomMethods, roomQueries } from './rooms.ts';
import { syncQueries } from './sync.ts';

/** The messenger's state machine on the subnet: every write a Matrix client makes is one of its methods. */
export const messengerApp = defineApp({
  name: 'messenger',
  tables: [
    ...accountTables,
    ...roomTables,
    ...filterTables,
    ...receiptTables,
    ...accountDataTables,
    ...directoryTables,
    ...mediaTables,
    ...pushRuleTables,
    ...identityBindingTables,
  ],
  methods: {
    ...accountMethods,
    ...deviceMethods,
    ...roomMethods,
    ...filterMethods,
    ...receiptMethods,
    ...accountDataMethods,
    ...directoryMethods,
    ...mediaMethods,
    ...pushRuleMethods,
    ...identityBindingMethods,
  },
  queries: {
    ...accountQueries,
    ...roomQueries,
    ...syncQueries,
    ...filterQueries,
    ...accountDataQueries,
    ...directoryQueries,
    ...mediaQueries,
    ...pushRuleQueries,
    ...identityBindingQueries,
  },
});
