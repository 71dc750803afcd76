/**
 * A real subnet running the messenger and a test-only `builder` app made of the licence and
 * people parts (until the engine's app.ts exists), with a registry governed by three keys of
 * which two must approve. Accounts are made by the messenger's own methods.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { decisionBytes, type GovernanceDecision, licenceMethods, licenceQueries, licenceTables } from '../../src/builder/licences/index.ts';
import {
  assertMayBuild,
  claimApp,
  peopleMethods,
  peopleQueries,
  peopleTables,
  personOf,
  quotaOf,
  recordAppRoles,
  recordBuilderChange,
  releaseApp,
  rolesOf,
} from '../../src/builder/people/index.ts';
import { messengerApp } from '../../src/messenger/index.ts';
import {
  type AppDefinition,
  type Approval,
  applyGenesis,
  approve,
  type CommandResult,
  coreApps,
  defineApp,
  loadOrCreateSigningKey,
  makeGenesis,
  method,
  newCommandId,
  type SigningKey,
  Subnet,
} from '../../src/subnet/index.ts';
import { assertReplayReproduces } from '../fixtures/replay-data-folder.ts';

const AppArgs = Type.Object({ app: Type.String() });

/** Stands in for the engine's methods: create, deploy, install roles, remove. */
export const testBuilderApp = defineApp({
  name: 'builder',
  tables: [...licenceTables, ...peopleTables],
  methods: {
    ...licenceMethods,
    ...peopleMethods,
    test_create: method(AppArgs, (ctx, args) => {
      claimApp(ctx, args.app, ctx.caller);
      return { app: args.app };
    }),
    test_deploy: method(Type.Object({ app: Type.String(), what: Type.String() }), (ctx, args) => {
      assertMayBuild(ctx, ctx.caller, args.app);
      return { seq: recordBuilderChange(ctx, args.app, ctx.caller, args.what) };
    }),
    test_install_roles: method(Type.Object({ app: Type.String(), roles: Type.Array(Type.String()) }), (ctx, args) => {
      assertMayBuild(ctx, ctx.caller, args.app);
      recordAppRoles(ctx, args.app, args.roles);
      return null;
    }),
    test_facts: method(Type.Object({ app: Type.String(), user_id: Type.String() }), (ctx, args) => ({
      person: personOf(ctx, args.user_id) as never,
      roles: rolesOf(ctx, args.app, args.user_id),
      quota: quotaOf(ctx, args.app),
    })),
    test_remove: method(AppArgs, (ctx, args) => {
      assertMayBuild(ctx, ctx.caller, args.app);
      releaseApp(ctx, args.app, ctx.caller);
      return null;
    }),
  },
  queries: { ...licenceQueries, ...peopleQueries },
});

export interface BuilderSubnet {
  subnet: Subnet;
  governance: SigningKey[];
  /**
   * A messenger account bound to a verified person: by default a person of its own; `person`
   * names one to bind a further account of the same person; an official when `ministry` is given.
   */
  verified(localpart: string, options?: { ministry?: string; person?: string }): Promise<string>;
  /** A password account with no verified person behind it. */
  unverified(localpart: string): Promise<string>;
  run(method: string, args: Record<string, unknown>, caller: string): Promise<CommandResult>;
  ask<T>(query: string, args: Record<string, unknown>, caller: string): T;
  /** The approvals of the given governance keys over a decision at the current licence epoch. */
  approvals(decision: GovernanceDecision, keys: SigningKey[]): Approval[];
  /** Stops the subnet and replays its log into a fresh database: every result and digest must come out the same. */
  stopAndReplay(): Promise<void>;
  close(): Promise<void>;
}

/** `builder`: the app under test (the engine's `builderApp` composes the same licence and people parts). */
export async function openBuilderSubnet(builder: AppDefinition = testBuilderApp): Promise<BuilderSubnet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'watan-licences-'));
  const keysDir = await mkdtemp(join(tmpdir(), 'watan-governance-'));
  const apps = [...coreApps, messengerApp, builder];
  const subnet = await Subnet.open({ dataDir, apps });
  const governance = ['g1', 'g2', 'g3'].map((name) => loadOrCreateSigningKey(join(keysDir, `${name}.key`)));
  await applyGenesis(
    subnet,
    makeGenesis({
      subnet: subnet.subnetId,
      jurisdiction: 'PK',
      threshold: 2,
      governance: governance.map((key, i) => ({ key, label: `holder ${i + 1}` })),
      nodes: [{ id: subnet.nodeKey.id, operator: 'test', dataCentre: 'test', province: 'Punjab', jurisdiction: 'PK' }],
    }),
  );
  const submit = (app: string, method: string, args: Record<string, unknown>, caller: string) =>
    subnet.submit({ id: newCommandId(), app, method, args: args as never, caller });
  const userIdOf = (result: CommandResult) => {
    assert.ok(result.ok, JSON.stringify(result));
    return (result.value as { user_id: string }).user_id;
  };
  return {
    subnet,
    governance,
    async verified(localpart, { ministry, person: name } = {}) {
      const person = createHash('sha256')
        .update(name ?? localpart)
        .digest('hex');
      const args = {
        person_hash: person,
        server_name: 'localhost',
        localpart,
        via: 'oidc',
        minimum_age: 18,
        accounts_per_person: 2,
        existing: 'refuse',
        ...(ministry ? { organisation: { ministry } } : {}),
      };
      return userIdOf(await submit('messenger', 'register_verified', args, 'anonymous'));
    },
    async unverified(localpart) {
      return userIdOf(await submit('messenger', 'register', { localpart, server_name: 'localhost', device_id: 'DEV' }, 'anonymous'));
    },
    run: (method, args, caller) => submit('builder', method, args, caller),
    ask: (query, args, caller) => subnet.query('builder', query, args, caller) as never,
    approvals(decision, keys) {
      const { epoch } = subnet.query('builder', 'licence_pool', {}, 'test') as { epoch: number };
      return keys.map((key) => approve(key, decisionBytes(subnet.subnetId, epoch, decision)));
    },
    async stopAndReplay() {
      await subnet.close();
      assertReplayReproduces(dataDir, apps);
    },
    async close() {
      await subnet.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}

/** The refusal's code and message; fails the test when the command succeeded. */
export function refusal(result: CommandResult): { code: string; message: string } {
  assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
  return (result as Extract<CommandResult, { ok: false }>).error;
}

export function value<T>(result: CommandResult): T {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.value as T;
}
