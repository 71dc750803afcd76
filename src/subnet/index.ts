/** The subnet: ordered log, deterministic executor, certified state and the registry. */
export { type AppContext, type AppDefinition, AppError, defineApp, method, type QueryContext, query } from './app.ts';
export { type AppClient, type AppHost, appClient, type TypedResult } from './app-client.ts';
export { kvApp } from './apps/kv.ts';
export {
  type Approval,
  admissionBytes,
  approve,
  type NodeRecord,
  type RegistryView,
  registryApp,
  removalBytes,
  validApprovers,
} from './apps/registry.ts';
export { CanonicalJsonError, canonicalJson, canonicalJsonBytes, type JsonValue } from './canonical-json.ts';
export { type Certificate, type Checkpoint, checkpointSigningBytes, quorumSize, signCheckpoint, verifyCertificate } from './checkpoint.ts';
export { assertNoPlaintextSecrets, type Command, encodeCommand, InvalidCommandError, newCommandId } from './command.ts';
export { assertSubnetId, DataDirError, dataFiles, readSubnetId } from './data-dir.ts';
export { DeterminismError } from './determinism-guard.ts';
export { LtHash } from './digest.ts';
export { type AppliedBlock, Executor, ExecutorError, type ExecutorOptions, type ResultProof } from './executor.ts';
export { applyGenesis, type Genesis, GenesisError, type GenesisPlan, isMember, makeGenesis, registryView } from './genesis.ts';
export { fromHex, sha256, toHex } from './hashing.ts';
export { encodeBlockEntries, splitBlockEntries } from './log/block-encoding.ts';
export {
  type AppendReceipt,
  type ChainBreak,
  type CommandLog,
  chainHash,
  genesisHash,
  type LogBlock,
  type LogEntry,
  LogError,
} from './log/command-log.ts';
export { SqliteLog } from './log/sqlite-log.ts';
export * from './merkle.ts';
export { isCanonicalKeyId, KeyFileError, loadOrCreateSigningKey, readSigningKey, type SigningKey, verifySignature } from './node-key.ts';
export { bootstrapDevelopmentRegistry, type NodeFacts } from './registry-bootstrap.ts';
export type { CommandOutcome, CommandResult } from './results.ts';
export { openSqlite, type SqliteSettings, sqliteSettings } from './sqlite.ts';
export { AppStore, StoreError } from './store.ts';
export { type SubmitRequest, Subnet, SubnetClosedError, type SubnetObserver, type SubnetOptions } from './subnet.ts';
export type { ColumnType, Row, SqlValue, TableSpec } from './table.ts';

import { kvApp } from './apps/kv.ts';
import { registryApp } from './apps/registry.ts';
/** The apps every Watan node runs. */
export const coreApps = [registryApp, kvApp] as const;
export { type AuditOptions, type AuditReport, auditDataDir, type DataDirSummary, inspectDataDir } from './audit.ts';
export { type Verification, type VerifyInput, verifyResultProof, verifySubnet } from './verifier.ts';
