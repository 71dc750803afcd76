import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AuditEntry,
  decisionBytes,
  type GovernanceDecision,
  type Licence,
  type PoolSector,
  SECTORS,
  verifyAuditChain,
} from '../../builder/licences/index.ts';
import { type Approval, approve, readSigningKey } from '../../subnet/index.ts';
import { CliUsageError, parseOptions } from '../usage.ts';

const DEFAULT_URL = 'http://localhost:8008';
const TOKEN_VARIABLE = 'WATAN_ACCESS_TOKEN';

/** `watan licence pool|admin|assign|revoke|list|audit`: the licence API of a node, from a terminal. */
export async function runLicence(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'pool':
      return runPool(rest);
    case 'admin':
      return runAdmin(rest);
    case 'assign':
      return runAssign(rest);
    case 'revoke':
      return runRevoke(rest);
    case 'list':
      return runList(rest);
    case 'audit':
      return runAudit(rest);
    default:
      throw new CliUsageError(`unknown command "licence ${sub ?? ''}"; use licence pool, admin, assign, revoke, list or audit`);
  }
}

const common = { url: { type: 'string' }, 'token-file': { type: 'string' } } as const;
const governance = {
  'governance-key-file': { type: 'string', multiple: true },
  approvals: { type: 'string', multiple: true },
  'sign-only': { type: 'boolean' },
} as const;

async function runPool(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    ...common,
    ...governance,
    sector: { type: 'string' },
    size: { type: 'string' },
    'apps-per-licence': { type: 'string' },
    'records-per-app': { type: 'string' },
    'storage-per-app': { type: 'string' },
  });
  const api = new NodeApi(options.url, undefined);
  const pool = await api.call<{ epoch: number; sectors: PoolSector[] }>('GET', '/_watan/v1/licences/pool');
  if (options.sector === undefined) {
    printPool(pool.sectors, pool.epoch);
    return 0;
  }
  if (!(SECTORS as readonly string[]).includes(options.sector))
    throw new CliUsageError(`--sector must be one of ${SECTORS.join(', ')}, not "${options.sector}"`);
  const current = pool.sectors.find((s) => s.sector === options.sector) as PoolSector;
  const sectors = [
    {
      sector: options.sector,
      size: count(options.size, '--size', current.size),
      apps_per_licence: count(options['apps-per-licence'], '--apps-per-licence', current.appsPerLicence),
      records_per_app: count(options['records-per-app'], '--records-per-app', current.recordsPerApp),
      storage_bytes_per_app: count(options['storage-per-app'], '--storage-per-app', current.storageBytesPerApp),
    },
  ];
  const decision: GovernanceDecision = { action: 'set_pool', sectors };
  const approvals = await gatherApprovals(api, options, decision, pool.epoch);
  if (!approvals) return 0;
  const result = await api.call<{ epoch: number }>('PUT', '/_watan/v1/licences/pool', { sectors, approvals });
  process.stdout.write(`pool changed: ${options.sector} now ${sectors[0]?.size} licences; next governance epoch ${result.epoch}\n`);
  return 0;
}

async function runAdmin(args: string[]): Promise<number> {
  const options = parseOptions(args, { ...common, ...governance, appoint: { type: 'string' }, dismiss: { type: 'string' } });
  const api = new NodeApi(options.url, undefined);
  if ((options.appoint === undefined) === (options.dismiss === undefined))
    throw new CliUsageError('licence admin needs exactly one of --appoint USER_ID or --dismiss USER_ID');
  const userId = (options.appoint ?? options.dismiss) as string;
  const decision: GovernanceDecision = { action: options.appoint ? 'appoint_admin' : 'dismiss_admin', user_id: userId };
  const { epoch } = await api.call<{ epoch: number }>('GET', '/_watan/v1/licences/pool');
  const approvals = await gatherApprovals(api, options, decision, epoch);
  if (!approvals) return 0;
  await api.call(options.appoint ? 'PUT' : 'DELETE', `/_watan/v1/licences/admins/${encodeURIComponent(userId)}`, { approvals });
  process.stdout.write(`${userId} ${options.appoint ? 'appointed' : 'dismissed'} as licence administrator\n`);
  return 0;
}

async function runAssign(args: string[]): Promise<number> {
  const options = parseOptions(args, { ...common, user: { type: 'string' }, sector: { type: 'string' }, note: { type: 'string' } });
  if (!options.user || !options.sector) throw new CliUsageError('licence assign needs --user USER_ID and --sector SECTOR');
  const api = new NodeApi(options.url, tokenOf(options['token-file']));
  const body = { user_id: options.user, sector: options.sector, ...(options.note ? { note: options.note } : {}) };
  const result = await api.call<{ licence: number; remaining: number }>('POST', '/_watan/v1/licences', body);
  process.stdout.write(
    `licence ${result.licence} (${options.sector}) assigned to ${options.user}; ${result.remaining} left in ${options.sector}\n`,
  );
  return 0;
}

async function runRevoke(args: string[]): Promise<number> {
  const options = parseOptions(args, { ...common, licence: { type: 'string' }, reason: { type: 'string' } });
  if (!options.licence || !options.reason) throw new CliUsageError('licence revoke needs --licence NUMBER and --reason TEXT');
  const licence = count(options.licence, '--licence', 0);
  const api = new NodeApi(options.url, tokenOf(options['token-file']));
  await api.call('POST', `/_watan/v1/licences/${licence}/revoke`, { reason: options.reason });
  process.stdout.write(`licence ${licence} revoked\n`);
  return 0;
}

async function runList(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    ...common,
    sector: { type: 'string' },
    held: { type: 'boolean' },
    user: { type: 'string' },
    json: { type: 'boolean' },
  });
  const api = new NodeApi(options.url, tokenOf(options['token-file']));
  const query = new URLSearchParams({
    ...(options.sector ? { sector: options.sector } : {}),
    ...(options.held ? { held_only: 'true' } : {}),
  });
  const { licences } = options.user
    ? await api.call<{ licences: Licence[] }>('GET', `/_watan/v1/licences/holders/${encodeURIComponent(options.user)}`)
    : await api.call<{ licences: Licence[] }>('GET', `/_watan/v1/licences${query.size > 0 ? `?${query}` : ''}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(licences, null, 2)}\n`);
    return 0;
  }
  for (const l of licences) {
    const state = l.revoked ? `revoked ${new Date(l.revoked.at).toISOString()} by ${l.revoked.by}: ${l.revoked.reason}` : 'held';
    process.stdout.write(
      `${l.licence}\t${l.sector}\t${l.userId}\tassigned ${new Date(l.assignedAt).toISOString()} by ${l.assignedBy}\t${state}\n`,
    );
  }
  return 0;
}

async function runAudit(args: string[]): Promise<number> {
  const options = parseOptions(args, { ...common, after: { type: 'string' }, json: { type: 'boolean' } });
  const api = new NodeApi(options.url, tokenOf(options['token-file']));
  const after = count(options.after, '--after', 0);
  const entries: AuditEntry[] = [];
  for (;;) {
    const page = await api.call<{ entries: AuditEntry[] }>('GET', `/_watan/v1/licences/audit?after=${after + entries.length}&limit=1000`);
    entries.push(...page.entries);
    if (page.entries.length < 1000) break;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else {
    for (const e of entries) {
      const about = [e.subject, e.licence === null ? null : `licence ${e.licence}`].filter(Boolean).join(' ');
      process.stdout.write(`${e.seq}\t${new Date(e.at).toISOString()}\t${e.actor}\t${e.action}\t${about}\t${JSON.stringify(e.details)}\n`);
    }
  }
  // A whole trail read from its start can be checked link by link; a person's own entries are a selection.
  const whole = after === 0 && entries.every((e, i) => e.seq === i + 1);
  if (!whole) return 0;
  const problem = verifyAuditChain(entries);
  process.stderr.write(
    problem ? `audit trail BROKEN: ${problem}\n` : `audit trail intact: ${entries.length} entries, each chained to the one before\n`,
  );
  return problem ? 1 : 0;
}

/**
 * Governance approvals for a decision: signed here with each --governance-key-file, plus any
 * gathered from other holders (--approvals FILE, as --sign-only prints them). With
 * --sign-only, prints this holder's approvals and submits nothing (returns null).
 */
async function gatherApprovals(
  api: NodeApi,
  options: { 'governance-key-file'?: string[]; approvals?: string[]; 'sign-only'?: boolean },
  decision: GovernanceDecision,
  epoch: number,
): Promise<Approval[] | null> {
  const keyFiles = options['governance-key-file'] ?? [];
  const gathered = (options.approvals ?? []).flatMap((file) => JSON.parse(readFileSync(resolve(file), 'utf8')) as Approval[]);
  if (keyFiles.length === 0 && gathered.length === 0)
    throw new CliUsageError('a governance decision needs --governance-key-file FILE (repeatable) or --approvals FILE');
  const { subnet } = await api.call<{ subnet: string }>('GET', '/_watan/v1/registry');
  const bytes = decisionBytes(subnet, epoch, decision);
  const signed = keyFiles.map((file) => approve(readSigningKey(resolve(file)), bytes));
  if (options['sign-only']) {
    process.stdout.write(`${JSON.stringify(signed)}\n`);
    return null;
  }
  return [...gathered, ...signed];
}

function printPool(sectors: PoolSector[], epoch: number): void {
  const rows = sectors.map((s) => [s.sector, s.size, s.assigned, s.available, s.appsPerLicence, s.recordsPerApp, s.storageBytesPerApp]);
  const header = ['sector', 'size', 'assigned', 'available', 'apps/licence', 'records/app', 'storage bytes/app'];
  const total = sectors.reduce((sum, s) => sum + s.size, 0);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  for (const row of [header, ...rows])
    process.stdout.write(`${row.map((cell, i) => String(cell).padEnd(widths[i] as number)).join('  ')}\n`);
  process.stdout.write(`total ${total} licences; governance epoch ${epoch}\n`);
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliUsageError(`${flag} must be a whole number, not "${value}"`);
  return n;
}

/** The access token from --token-file, else from $WATAN_ACCESS_TOKEN (never a flag: flags show in ps). */
function tokenOf(file: string | undefined): string {
  const token = file ? readFileSync(resolve(file), 'utf8').trim() : process.env[TOKEN_VARIABLE];
  if (!token) throw new CliUsageError(`sign in first: put your access token in $${TOKEN_VARIABLE} or a file given with --token-file`);
  return token;
}

class NodeApi {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(url: string | undefined, token: string | undefined) {
    this.base = (url ?? DEFAULT_URL).replace(/\/+$/, '');
    this.token = token;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new Error(`could not reach ${this.base}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    const answer = (await response.json().catch(() => null)) as (T & { errcode?: string; error?: string }) | null;
    if (!response.ok || answer === null)
      throw new Error(
        `${method} ${path} answered ${response.status}${answer?.errcode ? ` ${answer.errcode}` : ''}${answer?.error ? `: ${answer.error}` : ''}`,
      );
    return answer;
  }
}
