import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Approval,
  admissionBytes,
  approve,
  dataFiles,
  loadOrCreateSigningKey,
  type NodeRecord,
  readSigningKey,
} from '../../subnet/index.ts';
import { CliUsageError, parseJurisdiction, parseOptions } from '../usage.ts';

/**
 * Joining a running subnet, in three steps by three people: the new node's operator proposes
 * (`propose`), governance key holders approve offline (`approve`, m of n), and anyone hands
 * the approved request to a member replica (`join`). The node then starts with
 * `watan start --cluster … --genesis …` and is served once the registry admits it.
 */
export interface AdmissionRequest {
  subnet: string;
  /** Approvals are for one membership epoch: the registry's when the request was made. */
  epoch: number;
  node: NodeRecord;
  approvals: Approval[];
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function runAdmission(args: string[]): Promise<number> {
  const [step, ...rest] = args;
  if (step === 'propose') return await propose(rest);
  if (step === 'approve') return approveRequest(rest);
  if (step === 'join') return await join(rest);
  throw new CliUsageError(`unknown command "admission ${step ?? ''}"; the steps are propose, approve and join`);
}

/** `watan admission propose`: this node's admission request, at the registry's current epoch, to stdout. */
async function propose(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    data: { type: 'string', default: './data' },
    url: { type: 'string' },
    operator: { type: 'string' },
    'data-centre': { type: 'string' },
    province: { type: 'string' },
    jurisdiction: { type: 'string', default: 'PK' },
  });
  for (const name of ['url', 'operator', 'data-centre', 'province'] as const) {
    if (!options[name]) throw new CliUsageError(`admission propose needs --${name}`);
  }
  const dir = resolve(options.data);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = loadOrCreateSigningKey(dataFiles(dir).nodeKey);
  const registry = (await call(`${options.url}/_watan/v1/registry`)) as { subnet: string; epoch: number };
  const request: AdmissionRequest = {
    subnet: registry.subnet,
    epoch: registry.epoch,
    node: {
      id: key.id,
      operator: options.operator as string,
      dataCentre: options['data-centre'] as string,
      province: options.province as string,
      jurisdiction: parseJurisdiction(options.jurisdiction),
    },
    approvals: [],
  };
  process.stdout.write(`${JSON.stringify(request, null, 2)}\n`);
  return 0;
}

/** `watan admission approve`: the request with this governance key's signature added, to stdout. */
function approveRequest(args: string[]): number {
  const options = parseOptions(args, { request: { type: 'string' }, 'governance-key-file': { type: 'string' } });
  if (!options.request || !options['governance-key-file'])
    throw new CliUsageError('admission approve needs --request FILE and --governance-key-file KEY');
  const request = readRequest(resolve(options.request));
  const key = readSigningKey(resolve(options['governance-key-file']));
  const approval = approve(key, admissionBytes(request.subnet, request.epoch, request.node));
  const approvals = [...request.approvals.filter((a) => a.key !== key.id), approval];
  process.stdout.write(`${JSON.stringify({ ...request, approvals }, null, 2)}\n`);
  return 0;
}

/** `watan admission join`: hands the approved request to a member replica and waits for the registry's answer. */
async function join(args: string[]): Promise<number> {
  const options = parseOptions(args, { request: { type: 'string' }, url: { type: 'string' } });
  if (!options.request || !options.url) throw new CliUsageError('admission join needs --request FILE and --url URL of a member replica');
  const request = readRequest(resolve(options.request));
  const answer = (await call(`${options.url}/_watan/v1/registry/admissions`, { node: request.node, approvals: request.approvals })) as {
    epoch: number;
  };
  process.stdout.write(`node ${request.node.id} admitted to subnet ${request.subnet} (membership epoch ${answer.epoch})\n`);
  return 0;
}

function readRequest(path: string): AdmissionRequest {
  let request: AdmissionRequest;
  try {
    request = JSON.parse(readFileSync(path, 'utf8')) as AdmissionRequest;
  } catch (error) {
    throw new CliUsageError(`--request ${path} is unreadable or not JSON: ${(error as Error).message}`);
  }
  if (
    typeof request?.subnet !== 'string' ||
    !Number.isSafeInteger(request.epoch) ||
    typeof request.node?.id !== 'string' ||
    !Array.isArray(request.approvals)
  ) {
    throw new CliUsageError(`--request ${path} is not an admission request (made by watan admission propose)`);
  }
  return request;
}

/** GETs (or POSTs `body` to) a replica; a refusal becomes an error carrying the replica's message. */
async function call(url: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`could not reach ${url}: ${(error as Error).message}`);
  }
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${answer.error ?? 'no reason given'}`);
  return answer;
}
