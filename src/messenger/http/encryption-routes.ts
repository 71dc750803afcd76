import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { registerDehydratedDevice } from './dehydrated-device.ts';
import { registerKeysChanges } from './keys-changes.ts';
import { registerKeysClaim } from './keys-claim.ts';
import { registerDeviceSigningUpload } from './keys-device-signing-upload.ts';
import { registerKeysQuery } from './keys-query.ts';
import { registerSignaturesUpload } from './keys-signatures-upload.ts';
import { registerKeysUpload } from './keys-upload.ts';
import type { PasswordStage } from './password-stage.ts';
import { registerRoomKeys } from './room-keys.ts';
import { registerRoomKeysVersion } from './room-keys-version.ts';
import { registerSendToDevice } from './send-to-device.ts';

/**
 * What end-to-end encryption needs from the server (client-server §End-to-End Encryption,
 * §Send-to-Device messaging): keys, cross-signing, to-device messages and key backups. Sync
 * carries the rest (to_device, device_lists, one-time key counts).
 */
export function registerEncryption(server: FastifyInstance, node: NodeContext, stage: PasswordStage): void {
  registerKeysUpload(server, node);
  registerKeysQuery(server, node);
  registerKeysClaim(server, node);
  registerKeysChanges(server, node);
  registerDeviceSigningUpload(server, node, stage);
  registerSignaturesUpload(server, node);
  registerSendToDevice(server, node);
  registerRoomKeysVersion(server, node);
  registerRoomKeys(server, node);
  registerDehydratedDevice(server, node);
}
