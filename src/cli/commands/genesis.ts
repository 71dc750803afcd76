import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertSubnetId, loadOrCreateSigningKey, makeGenesis, type NodeRecord, readSigningKey } from '../../subnet/index.ts';
import { CliUsageError, parseJurisdiction, parseOptions } from '../usage.ts';

/**
 * `watan genesis`: run by the governance key holders, offline. Writes to stdout the genesis
 * file a subnet's first node starts from (`watan start --genesis FILE`): the subnet, its
 * governance keys and threshold, and this node admitted with each key's signature.
 */
export function runGenesis(args: string[]): number {
  const options = parseOptions(args, {
    subnet: { type: 'string' },
    jurisdiction: { type: 'string', default: 'PK' },
    'governance-key-file': { type: 'string', multiple: true },
    threshold: { type: 'string' },
    'node-id': { type: 'string' },
    operator: { type: 'string' },
    'data-centre': { type: 'string' },
    province: { type: 'string' },
    'node-jurisdiction': { type: 'string' },
    nodes: { type: 'string' },
  });
  const files = options['governance-key-file'] ?? [];
  const required = options.nodes ? (['subnet'] as const) : (['subnet', 'node-id', 'operator', 'data-centre', 'province'] as const);
  for (const name of required) {
    if (!options[name]) throw new CliUsageError(`genesis needs --${name}${name === 'subnet' ? '' : ' (or --nodes FILE)'}`);
  }
  if (files.length === 0) throw new CliUsageError('genesis needs at least one --governance-key-file');
  const subnet = options.subnet as string;
  assertSubnetId(subnet);
  const jurisdiction = parseJurisdiction(options.jurisdiction);
  const threshold = Number(options.threshold ?? files.length);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > files.length) {
    throw new CliUsageError(`--threshold must be a whole number from 1 to the ${files.length} governance key file(s)`);
  }
  const governance = files.map((file) => ({ key: readSigningKey(resolve(file)), label: file }));
  const genesis = makeGenesis({
    subnet,
    jurisdiction,
    threshold,
    governance,
    nodes: options.nodes
      ? readNodes(resolve(options.nodes), jurisdiction)
      : [
          {
            id: options['node-id'] as string,
            operator: options.operator as string,
            dataCentre: options['data-centre'] as string,
            province: options.province as string,
            jurisdiction: parseJurisdiction(options['node-jurisdiction'] ?? jurisdiction),
          },
        ],
  });
  process.stdout.write(`${JSON.stringify(genesis, null, 2)}\n`);
  return 0;
}

/** The first nodes of a cluster: a JSON array of {id, operator, dataCentre, province, jurisdiction?}. */
function readNodes(path: string, jurisdiction: string): NodeRecord[] {
  let nodes: unknown;
  try {
    nodes = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliUsageError(`--nodes ${path} is unreadable or not JSON: ${(error as Error).message}`);
  }
  const fields = ['id', 'operator', 'dataCentre', 'province'] as const;
  if (!Array.isArray(nodes) || nodes.length === 0) throw new CliUsageError(`--nodes ${path} must be a JSON array of nodes`);
  return nodes.map((node: Record<string, unknown>, i) => {
    for (const field of fields) {
      if (typeof node?.[field] !== 'string' || node[field] === '')
        throw new CliUsageError(`--nodes ${path}: node ${i + 1} has no ${field}`);
    }
    return {
      id: node.id as string,
      operator: node.operator as string,
      dataCentre: node.dataCentre as string,
      province: node.province as string,
      jurisdiction: parseJurisdiction(typeof node.jurisdiction === 'string' ? node.jurisdiction : jurisdiction),
    };
  });
}

/** `watan governance-key --out FILE`: makes a governance key (0600) and prints its public id. */
export function runGovernanceKey(args: string[]): number {
  const options = parseOptions(args, { out: { type: 'string' } });
  if (!options.out) throw new CliUsageError('governance-key needs --out FILE');
  process.stdout.write(`${loadOrCreateSigningKey(resolve(options.out)).id}\n`);
  return 0;
}
