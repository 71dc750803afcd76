/**
 * The real `builder` app on a real subnet with the messenger: a licence administrator
 * appointed by governance, and helpers that make licensed builders, deploy the example specs
 * and run records' commands as a given user.
 */
import { readFileSync } from 'node:fs';
import { type AppRecord, builderApp, type ListPage } from '../../src/builder/index.ts';
import type { CommandResult } from '../../src/subnet/index.ts';
import { type BuilderSubnet, openBuilderSubnet, value } from './builder-subnet.ts';

export interface Engine extends BuilderSubnet {
  /** A verified person holding a builder licence. */
  builder(localpart: string): Promise<string>;
  deploy(spec: unknown, as: string, confirm?: boolean): Promise<CommandResult>;
  create(app: string, entity: string, fields: Record<string, unknown>, as: string): Promise<CommandResult>;
  list(app: string, entity: string, request: Record<string, unknown>, as: string): ListPage;
  record(result: CommandResult): AppRecord;
}

export function example(name: string): Record<string, unknown> & { slug: string } {
  return JSON.parse(readFileSync(new URL(`../../examples/apps/${name}.json`, import.meta.url), 'utf8'));
}

export async function openEngine(): Promise<Engine> {
  const s = await openBuilderSubnet(builderApp);
  const admin = await s.verified('licence-admin');
  const approvals = s.approvals({ action: 'appoint_admin', user_id: admin }, s.governance.slice(0, 2));
  value(await s.run('licence_appoint_admin', { user_id: admin, approvals }, 'anyone'));
  return {
    ...s,
    async builder(localpart) {
      const user = await s.verified(localpart);
      value(await s.run('licence_assign', { user_id: user, sector: 'government' }, admin));
      return user;
    },
    deploy: (spec, as, confirm) => s.run('app_deploy', { spec, ...(confirm ? { confirm } : {}) }, as),
    create: (app, entity, fields, as) => s.run('record_create', { app, entity, fields }, as),
    list: (app, entity, request, as) => s.ask<ListPage>('record_list', { app, entity, ...request }, as),
    record: (result) => value<AppRecord>(result),
  };
}
