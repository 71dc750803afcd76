import { canonicalJsonBytes } from '../canonical-json.ts';
import { type Command, decodeCommand, encodeCommand, validateCommand } from '../command.ts';
import { type SigningKey, verifySignature } from '../node-key.ts';

/**
 * Who proposed a block to a cluster log, and their signature over it. etcd orders whatever
 * any client writes, so a block's author is proven by its signature, and every replica's
 * executor checks it (and that the author is a member) before running the block.
 */
export interface BlockProposal {
  /** The proposer's node key id. */
  proposer: string;
  /** The proposer's own counter: its blocks' keys in etcd are unique by it. */
  sequence: number;
  signature: Buffer;
}

export class MalformedBlockError extends Error {
  override name = 'MalformedBlockError';
}

const DOMAIN = Buffer.from('watan/block/v1\n', 'utf8');
const MAGIC = Buffer.from('WATANBLK1\n', 'utf8');

/** The bytes a proposer signs: the subnet, itself, its sequence number and each command's canonical bytes. */
export function proposalSigningBytes(subnet: string, proposer: string, sequence: number, commands: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [DOMAIN, canonicalJsonBytes({ subnet, proposer, sequence, commands: commands.length })];
  for (const bytes of commands) parts.push(lengthOf(bytes.length), bytes);
  return Buffer.concat(parts);
}

export function signProposal(key: SigningKey, subnet: string, sequence: number, commands: readonly Uint8Array[]): BlockProposal {
  return { proposer: key.id, sequence, signature: key.sign(proposalSigningBytes(subnet, key.id, sequence, commands)) };
}

export function proposalVerifies(subnet: string, proposal: BlockProposal, commands: readonly Uint8Array[]): boolean {
  return verifySignature(
    proposal.proposer,
    proposalSigningBytes(subnet, proposal.proposer, proposal.sequence, commands),
    proposal.signature,
  );
}

/** A proposed block as stored in etcd: a magic line, a JSON header, then length-prefixed command bytes. */
export function encodeProposedBlock(proposal: BlockProposal, commands: readonly Uint8Array[]): Buffer {
  const header = canonicalJsonBytes({
    proposer: proposal.proposer,
    sequence: proposal.sequence,
    signature: proposal.signature.toString('base64url'),
  });
  const parts: Uint8Array[] = [MAGIC, lengthOf(header.length), header];
  for (const bytes of commands) parts.push(lengthOf(bytes.length), bytes);
  return Buffer.concat(parts);
}

/** The size `encodeProposedBlock` adds around the commands, at most (a generous bound for the header). */
export const PROPOSAL_OVERHEAD_BYTES = 512;
/** What each command adds beside its bytes. */
export const PROPOSAL_BYTES_PER_COMMAND = 4;

export interface DecodedBlock {
  proposal: BlockProposal;
  commands: { command: Command; bytes: Buffer }[];
}

/**
 * Parses a block read from etcd. Anything a correct proposer would not have written — a cut
 * or overlong value, a header that is not as written, a command that is not a valid command
 * in canonical form — throws MalformedBlockError. The signature is not checked here: the
 * executor does, against the registry at that point of the log.
 */
export function decodeProposedBlock(value: Buffer): DecodedBlock {
  if (value.length < MAGIC.length + 4 || !value.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new MalformedBlockError('not a Watan block (no block header)');
  }
  let offset = MAGIC.length;
  const take = (what: string): Buffer => {
    if (offset + 4 > value.length) throw new MalformedBlockError(`the block ends inside the length of ${what}`);
    const length = value.readUInt32BE(offset);
    const end = offset + 4 + length;
    if (end > value.length) throw new MalformedBlockError(`the block ends inside ${what}`);
    const bytes = value.subarray(offset + 4, end);
    offset = end;
    return bytes;
  };
  const proposal = parseHeader(take('its header'));
  const commands: DecodedBlock['commands'] = [];
  while (offset < value.length) {
    const bytes = Buffer.from(take(`command ${commands.length + 1}`));
    commands.push({ command: parseCommand(bytes, commands.length + 1), bytes });
  }
  if (commands.length === 0) throw new MalformedBlockError('the block holds no commands');
  return { proposal, commands };
}

function parseHeader(bytes: Buffer): BlockProposal {
  let header: { proposer?: unknown; sequence?: unknown; signature?: unknown };
  try {
    header = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MalformedBlockError('the block header is not JSON');
  }
  const { proposer, sequence, signature } = header ?? {};
  if (typeof proposer !== 'string' || typeof signature !== 'string' || !Number.isSafeInteger(sequence) || (sequence as number) < 1) {
    throw new MalformedBlockError('the block header must name a proposer, a sequence number from 1 and a signature');
  }
  return { proposer, sequence: sequence as number, signature: Buffer.from(signature, 'base64url') };
}

function parseCommand(bytes: Buffer, position: number): Command {
  let command: Command;
  try {
    command = decodeCommand(bytes);
    validateCommand(command);
  } catch (error) {
    throw new MalformedBlockError(`command ${position} is not a valid command: ${(error as Error).message}`);
  }
  // Only canonical bytes are accepted, so one command has one encoding and one chain hash.
  if (!encodeCommand(command).equals(bytes)) throw new MalformedBlockError(`command ${position} is not in canonical form`);
  return command;
}

function lengthOf(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(length);
  return bytes;
}
