/** The subnet: ordered log, deterministic executor, certified state and the registry. */
export { type AppContext, type AppDefinition, AppError, defineApp, method, type QueryContext, query } from './app.ts';
export { type AppClient, type AppHost, appClient, type TypedResult } from './app-client.ts';
export { kvApp } from './apps/kv.ts';
export {
  type Approval,
  admissionBytes,
  approve,
  NodeRecord,
  type RegistryView,
  registryApp,
  removalBytes,
  validApprovers,
} from './apps/registry.ts';
export { CANONICAL_MAX_DEPTH, CanonicalJsonError, canonicalJson, canonicalJsonBytes, type JsonValue } from './canonical-json.ts';
export { Certifier } from './certification/certifier.ts';
export type { CertificationChannel, CheckpointVote } from './certification/channel.ts';
export { CertificateCollector, type Divergence } from './certification/collector.ts';
export { DivergenceError } from './certification/evidence.ts';
export { InProcessChannel } from './certification/in-process-channel.ts';
export {
  type Certificate,
  type Checkpoint,
  type CheckpointSignature,
  checkpointHash,
  checkpointSigningBytes,
  membershipHash,
  quorumSize,
  signCheckpoint,
  verifyCertificate,
} from './checkpoint.ts';
export { EtcdCertificationChannel } from './cluster/etcd-certification-channel.ts';
export { connectEtcd, readPrefixInPages } from './cluster/etcd-client.ts';
export { blockKey, blocksPrefix, prunedPrefix, replicasPrefix, voteKey, votesPrefix } from './cluster/etcd-keys.ts';
export { type EtcdReplicaOptions, etcdReplica } from './cluster/etcd-replica.ts';
export { type EtcdMember, freePort, type LocalEtcd, LocalEtcdError, type LocalEtcdOptions, startLocalEtcd } from './cluster/local-etcd.ts';
export { StateSyncError, snapshotFromPeer } from './cluster/snapshot-from-peer.ts';
export { assertNoPlaintextSecrets, type Command, encodeCommand, InvalidCommandError, newCommandId } from './command.ts';
export { assertSubnetId, DataDirError, dataFiles, readSubnetId, writeFileDurably } from './data-dir.ts';
export { DeterminismError } from './determinism-guard.ts';
export { LtHash } from './digest.ts';
export { type AppliedBlock, Executor, ExecutorError, type ExecutorOptions, MAX_CLOCK_STEP_MS, type ResultProof } from './executor.ts';
export { applyGenesis, type Genesis, GenesisError, type GenesisPlan, isMember, makeGenesis, registryView } from './genesis.ts';
export { fromHex, sha256, toHex } from './hashing.ts';
export { MAX_JSON_DEPTH, nestsWithin } from './json-depth.ts';
export { encodeBlockEntries, splitBlockEntries } from './log/block-encoding.ts';
export {
  type BlockProposal,
  decodeProposedBlock,
  encodeProposedBlock,
  MalformedBlockError,
  proposalSigningBytes,
  proposalVerifies,
  signProposal,
} from './log/block-proposal.ts';
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
export {
  DEFAULT_KEEP_CERTIFIED_BLOCKS,
  EtcdLog,
  EtcdLogError,
  type EtcdLogOptions,
  MAX_BLOCK_BYTES,
  StateSyncNeededError,
} from './log/etcd-log.ts';
export { SqliteLog } from './log/sqlite-log.ts';
export * from './merkle.ts';
export { isCanonicalKeyId, KeyFileError, loadOrCreateSigningKey, readSigningKey, type SigningKey, verifySignature } from './node-key.ts';
export { bootstrapDevelopmentRegistry, type NodeFacts } from './registry-bootstrap.ts';
export type { CommandOutcome, CommandResult } from './results.ts';
export { openSqlite, type SqliteSettings, sqliteSettings } from './sqlite.ts';
export { UntrustedDataError } from './startup-trust.ts';
export type { OwnCheckpoint } from './state-db.ts';
export {
  type CertifiedSnapshot,
  checkSnapshotRequest,
  installSnapshot,
  SNAPSHOT_REQUEST_WINDOW_MS,
  type SnapshotCheck,
  snapshotRequestHeaders,
  type VerifiedSnapshot,
  verifySnapshot,
} from './state-sync.ts';
export { AppStore, StoreError } from './store.ts';
export {
  type LogContext,
  type OwnedChannel,
  type ReplicaLog,
  type SubmitRequest,
  Subnet,
  SubnetClosedError,
  type SubnetObserver,
  type SubnetOptions,
} from './subnet.ts';
export type { ColumnType, Row, SqlValue, TableSpec } from './table.ts';

import { kvApp } from './apps/kv.ts';
import { registryApp } from './apps/registry.ts';
/** The apps every Watan node runs. */
export const coreApps = [registryApp, kvApp] as const;
export { type AuditOptions, type AuditReport, auditDataDir, type DataDirSummary, inspectDataDir } from './audit.ts';
export { type Verification, type VerifyInput, verifyResultProof, verifySubnet } from './verifier.ts';
