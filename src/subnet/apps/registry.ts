import Type, { type Static } from 'typebox';
import { type AppContext, AppError, defineApp, method, query } from '../app.ts';
import { canonicalJsonBytes } from '../canonical-json.ts';
import { isCanonicalKeyId, type SigningKey, verifySignature } from '../node-key.ts';
import type { AppStore } from '../store.ts';

/**
 * The subnet's registry: who the subnet is, where it may run, who governs membership, and
 * which nodes are members. It runs as an app, so membership changes are ordered, replicated
 * and certified like any other state — and checked on every replica.
 */

const KeyId = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'ed25519 public key, unpadded base64url' });
const Jurisdiction = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code' });
const Text = Type.String({ minLength: 1, maxLength: 200 });

export const NodeRecord = Type.Object(
  { id: KeyId, operator: Text, dataCentre: Text, province: Text, jurisdiction: Jurisdiction },
  { additionalProperties: false },
);
export type NodeRecord = Static<typeof NodeRecord>;

const Approval = Type.Object({ key: KeyId, signature: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
export type Approval = Static<typeof Approval>;
const Approvals = Type.Array(Approval, { minItems: 1, maxItems: 64 });

const RegistrySettings = Type.Object(
  {
    subnet: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    jurisdiction: Jurisdiction,
    governanceKeys: Type.Array(Type.Object({ key: KeyId, label: Text }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 64,
    }),
    threshold: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export interface RegistryView {
  subnet: string;
  jurisdiction: string;
  threshold: number;
  epoch: number;
  governanceKeys: { key: string; label: string }[];
  nodes: (NodeRecord & { admittedEpoch: number; approvals: Approval[] })[];
}

const DOMAIN = Buffer.from('watan/registry/v1\n', 'utf8');

/** What governance keys sign to admit a node: bound to the subnet and its membership epoch. */
export function admissionBytes(subnet: string, epoch: number, node: NodeRecord): Buffer {
  return Buffer.concat([DOMAIN, canonicalJsonBytes({ action: 'admit', subnet, epoch, node })]);
}

export function removalBytes(subnet: string, epoch: number, nodeId: string): Buffer {
  return Buffer.concat([DOMAIN, canonicalJsonBytes({ action: 'remove', subnet, epoch, node: nodeId })]);
}

export function approve(key: SigningKey, message: Uint8Array): Approval {
  return { key: key.id, signature: key.sign(message).toString('base64url') };
}

/** The governance keys among `approvals` whose signatures over `message` verify. */
export function validApprovers(approvals: readonly Approval[], governanceKeys: readonly string[], message: Uint8Array): Set<string> {
  const approvers = new Set<string>();
  for (const { key, signature } of approvals) {
    if (governanceKeys.includes(key) && verifySignature(key, message, Buffer.from(signature, 'base64url'))) approvers.add(key);
  }
  return approvers;
}

export const registryApp = defineApp({
  name: 'registry',
  tables: [
    { name: 'settings', columns: { key: 'text', value: 'text' }, primaryKey: ['key'] },
    { name: 'governance', columns: { key_id: 'text', label: 'text' }, primaryKey: ['key_id'] },
    {
      name: 'nodes',
      columns: {
        node_id: 'text',
        operator: 'text',
        data_centre: 'text',
        province: 'text',
        jurisdiction: 'text',
        admitted_epoch: 'integer',
        approvals: 'text',
        admitted_at: 'integer',
      },
      primaryKey: ['node_id'],
    },
  ],
  methods: {
    /** Creates the registry; only once, and only by the node bootstrapping the subnet. */
    init: method(RegistrySettings, (ctx, args) => initialise(ctx, args)),
    /**
     * The whole genesis in one command: the registry and its first nodes, each admitted at its
     * epoch with the governance approvals the genesis file carries. One command, so a cluster's
     * first block makes every genesis node a member at once.
     */
    genesis: method(
      Type.Object(
        {
          ...RegistrySettings.properties,
          nodes: Type.Array(Type.Object({ node: NodeRecord, approvals: Approvals }, { additionalProperties: false }), {
            minItems: 1,
            maxItems: 64,
          }),
        },
        { additionalProperties: false },
      ),
      (ctx, { nodes, ...settings }) => {
        initialise(ctx, settings);
        let epoch = 0;
        for (const { node, approvals } of nodes) epoch = admitNode(ctx, node, approvals);
        return { epoch };
      },
    ),
    /** Admits a node attested by at least `threshold` governance keys, in the subnet's jurisdiction. */
    admit: method(Type.Object({ node: NodeRecord, approvals: Approvals }, { additionalProperties: false }), (ctx, args) => ({
      epoch: admitNode(ctx, args.node, args.approvals),
    })),
    remove: method(Type.Object({ nodeId: KeyId, approvals: Approvals }, { additionalProperties: false }), (ctx, args) => {
      const registry = loadSettings(ctx);
      if (!ctx.store.get('nodes', args.nodeId)) throw new AppError('NOT_FOUND', `node ${args.nodeId} is not a member`);
      requireApprovals(
        ctx,
        args.approvals,
        removalBytes(registry.subnet, registry.epoch, args.nodeId),
        registry.threshold,
        `removal of node ${args.nodeId}`,
      );
      ctx.store.delete('nodes', args.nodeId);
      ctx.store.put('settings', { key: 'epoch', value: String(registry.epoch + 1) });
      return { epoch: registry.epoch + 1 };
    }),
  },
  queries: {
    /** The members' node ids, sorted: who certifies the subnet's checkpoints. */
    members: query(Type.Object({}, { additionalProperties: false }), (ctx): string[] =>
      ctx.store.select<{ node_id: string }>('SELECT node_id FROM {nodes} ORDER BY node_id').map((row) => row.node_id),
    ),
    view: query(Type.Object({}, { additionalProperties: false }), (ctx): RegistryView | null => {
      const subnet = setting(ctx.store, 'subnet');
      if (subnet === undefined) return null;
      return {
        subnet,
        jurisdiction: setting(ctx.store, 'jurisdiction') as string,
        threshold: Number(setting(ctx.store, 'threshold')),
        epoch: Number(setting(ctx.store, 'epoch')),
        governanceKeys: ctx.store
          .select<{ key_id: string; label: string }>('SELECT key_id, label FROM {governance} ORDER BY key_id')
          .map((row) => ({ key: row.key_id, label: row.label })),
        nodes: ctx.store.select<NodeRow>('SELECT * FROM {nodes} ORDER BY node_id').map((row) => ({
          id: row.node_id,
          operator: row.operator,
          dataCentre: row.data_centre,
          province: row.province,
          jurisdiction: row.jurisdiction,
          admittedEpoch: row.admitted_epoch,
          approvals: JSON.parse(row.approvals) as Approval[],
        })),
      };
    }),
  },
});

interface NodeRow {
  node_id: string;
  operator: string;
  data_centre: string;
  province: string;
  jurisdiction: string;
  admitted_epoch: number;
  approvals: string;
}

function initialise(ctx: AppContext, args: Static<typeof RegistrySettings>): { epoch: number } {
  if (ctx.caller !== 'system') throw new AppError('FORBIDDEN', 'only the bootstrapping node may initialise the registry');
  if (setting(ctx.store, 'subnet') !== undefined) throw new AppError('EXISTS', 'the registry is already initialised');
  const keys = args.governanceKeys.map((g) => g.key);
  if (keys.some((key) => !isCanonicalKeyId(key)) || new Set(keys).size !== keys.length) {
    throw new AppError('INVALID_ARGS', 'governance keys must be distinct keys in canonical unpadded base64url');
  }
  if (args.threshold > args.governanceKeys.length) {
    throw new AppError('INVALID_ARGS', `threshold ${args.threshold} exceeds the ${args.governanceKeys.length} governance keys`);
  }
  ctx.store.put('settings', { key: 'subnet', value: args.subnet });
  ctx.store.put('settings', { key: 'jurisdiction', value: args.jurisdiction });
  ctx.store.put('settings', { key: 'threshold', value: String(args.threshold) });
  ctx.store.put('settings', { key: 'epoch', value: '0' });
  for (const { key, label } of args.governanceKeys) ctx.store.put('governance', { key_id: key, label });
  return { epoch: 0 };
}

/** Admits one node; returns the membership epoch after it. */
function admitNode(ctx: AppContext, node: NodeRecord, approvals: readonly Approval[]): number {
  const registry = loadSettings(ctx);
  if (!isCanonicalKeyId(node.id)) throw new AppError('INVALID_ARGS', `node id ${node.id} is not a key in canonical unpadded base64url`);
  if (node.jurisdiction !== registry.jurisdiction) {
    throw new AppError(
      'FOREIGN_JURISDICTION',
      `node ${node.id} is in jurisdiction ${node.jurisdiction}; subnet ${registry.subnet} admits only nodes in ${registry.jurisdiction}`,
    );
  }
  if (ctx.store.get('nodes', node.id)) throw new AppError('EXISTS', `node ${node.id} is already a member`);
  requireApprovals(
    ctx,
    approvals,
    admissionBytes(registry.subnet, registry.epoch, node),
    registry.threshold,
    `admission of node ${node.id}`,
  );
  ctx.store.put('nodes', {
    node_id: node.id,
    operator: node.operator,
    data_centre: node.dataCentre,
    province: node.province,
    jurisdiction: node.jurisdiction,
    admitted_epoch: registry.epoch,
    approvals: JSON.stringify(approvals),
    admitted_at: ctx.time,
  });
  ctx.store.put('settings', { key: 'epoch', value: String(registry.epoch + 1) });
  return registry.epoch + 1;
}

/**
 * Whether `proposer` may have its blocks run: a member of the registry, or — before the
 * registry exists — a node that the block's own first command, the genesis, admits. The
 * executor asks this of every proposed block, against the state the block would run on.
 */
export function admitsProposer(store: AppStore, proposer: string, firstCommand: { app: string; method: string; args: unknown }): boolean {
  if (setting(store, 'subnet') !== undefined) return store.get('nodes', proposer) !== undefined;
  if (firstCommand.app !== 'registry' || firstCommand.method !== 'genesis') return false;
  const nodes = (firstCommand.args as { nodes?: unknown } | null)?.nodes;
  return Array.isArray(nodes) && nodes.some((entry) => (entry as { node?: { id?: unknown } } | null)?.node?.id === proposer);
}

function setting(store: AppStore, key: string): string | undefined {
  return store.get<{ key: string; value: string }>('settings', key)?.value;
}

function loadSettings(ctx: AppContext): { subnet: string; jurisdiction: string; threshold: number; epoch: number } {
  const subnet = setting(ctx.store, 'subnet');
  if (subnet === undefined) throw new AppError('NOT_INITIALISED', 'the registry has not been initialised');
  return {
    subnet,
    jurisdiction: setting(ctx.store, 'jurisdiction') as string,
    threshold: Number(setting(ctx.store, 'threshold')),
    epoch: Number(setting(ctx.store, 'epoch')),
  };
}

function requireApprovals(ctx: AppContext, approvals: readonly Approval[], message: Buffer, threshold: number, what: string): void {
  const keys = ctx.store.select<{ key_id: string }>('SELECT key_id FROM {governance} ORDER BY key_id').map((row) => row.key_id);
  const approvers = validApprovers(approvals, keys, message);
  if (approvers.size < threshold) {
    const invalid = approvals.length - approvers.size;
    throw new AppError(
      'ATTESTATION_INVALID',
      `${what} needs valid signatures from ${threshold} governance key(s); ${approvers.size} verified` +
        (invalid > 0 ? `, ${invalid} did not (forged, for other content, or not a governance key)` : ''),
    );
  }
}
