/** The subnet: ordered log, deterministic executor, certified state and the registry. */
export { AppError, type AppContext, type AppDefinition, defineApp, method, query, type QueryContext } from './app.ts';
export { type AppliedBlock, Executor, ExecutorError, type ExecutorOptions, type ResultProof } from './executor.ts';
export { CanonicalJsonError, canonicalJson, canonicalJsonBytes, type JsonValue } from './canonical-json.ts';
export { type Certificate, type Checkpoint, checkpointSigningBytes, quorumSize, verifyCertificate } from './checkpoint.ts';
export { assertNoPlaintextSecrets, type Command, encodeCommand, InvalidCommandError } from './command.ts';
export { DataDirError, dataFiles, readSubnetId } from './data-dir.ts';
export { DeterminismError } from './determinism-guard.ts';
export { fromHex, sha256, toHex } from './hashing.ts';
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
export { openSqlite } from './sqlite.ts';
export { LtHash } from './digest.ts';
export * from './merkle.ts';
export { KeyFileError, loadOrCreateSigningKey, type SigningKey, verifySignature } from './node-key.ts';
export type { CommandOutcome, CommandResult } from './results.ts';
export { AppStore, StoreError } from './store.ts';
export type { ColumnType, Row, SqlValue, TableSpec } from './table.ts';
export { type SubmitRequest, Subnet, SubnetClosedError, type SubnetObserver, type SubnetOptions } from './subnet.ts';
export { kvApp } from './apps/kv.ts';
export { admissionBytes, approve, type Approval, type NodeRecord, registryApp, type RegistryView, removalBytes, validApprovers } from './apps/registry.ts';
export { bootstrapDevelopmentRegistry, type NodeFacts, RegistryBootstrapError } from './registry-bootstrap.ts';

import { kvApp } from './apps/kv.ts';
import { registryApp } from './apps/registry.ts';
/** The apps every Watan node runs. */
export const coreApps = [registryApp, kvApp] as const;
export { type AuditReport, auditDataDir, type DataDirSummary, inspectDataDir } from './audit.ts';
export { type Verification, type VerifyInput, verifyResultProof, verifySubnet } from './verifier.ts';
