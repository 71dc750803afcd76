import { defineApp } from '../../subnet/index.ts';
import { accountDataMethods, accountDataQueries, accountDataTables } from './account-data.ts';
import { accountMethods, accountQueries, accountTables, deviceMethods } from './accounts.ts';
import { crossSigningMethods, crossSigningTables } from './cross-signing.ts';
import { dehydratedDeviceMethods, dehydratedDeviceQueries, dehydratedDeviceTables } from './dehydrated-devices.ts';
import { deviceKeyMethods, deviceKeyTables } from './device-keys.ts';
import { directoryMethods, directoryQueries, directoryTables } from './directory.ts';
import { encryptionSyncQueries } from './encryption-sync.ts';
import { filterMethods, filterQueries, filterTables } from './filters.ts';
import { identityBindingMethods, identityBindingQueries, identityBindingTables } from './identity-bindings.ts';
import { keyBackupMethods, keyBackupQueries, keyBackupTables } from './key-backup.ts';
import { keyQueryQueries } from './key-query.ts';
import { mediaMethods, mediaQueries, mediaTables } from './media.ts';
import { pushRuleMethods, pushRuleQueries, pushRuleTables } from './push-rules.ts';
import { pusherMethods, pusherQueries, pusherTables } from './pushers.ts';
import { receiptMethods, receiptTables } from './receipts.ts';
import { roomTables } from './room-tables.ts';
import { roomMethods, roomQueries } from './rooms.ts';
import { syncQueries } from './sync.ts';
import { toDeviceMethods, toDeviceTables } from './to-device.ts';

/** Signed JSON as the executor checks it, for tests against the appendix's vectors. */
export { hasValidSignature } from './signed-json.ts';

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
    ...pusherTables,
    ...identityBindingTables,
    ...deviceKeyTables,
    ...crossSigningTables,
    ...toDeviceTables,
    ...keyBackupTables,
    ...dehydratedDeviceTables,
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
    ...pusherMethods,
    ...identityBindingMethods,
    ...deviceKeyMethods,
    ...crossSigningMethods,
    ...toDeviceMethods,
    ...keyBackupMethods,
    ...dehydratedDeviceMethods,
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
    ...pusherQueries,
    ...identityBindingQueries,
    ...keyQueryQueries,
    ...encryptionSyncQueries,
    ...keyBackupQueries,
    ...dehydratedDeviceQueries,
  },
});
