import Type from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import { closeAccount, createAccount, issueTokens, openDevice } from './accounts.ts';

/**
 * Accounts bound to verified people. A person is known here only by `person_hash`, the HMAC
 * of the provider's subject under the subnet's identity secret, which the nodes hold and the
 * log never does (ingress computes it); no identity claim reaches the log. The accounts-per-person limit is counted here, inside
 * the executor, so two registrations racing for the same person cannot both pass.
 */
export const identityBindingTables: TableSpec[] = [
  {
    name: 'identity_bindings',
    // organisation: canonical JSON of {ministry, department} for officials. minimum_age: the
    // age threshold the person was found to meet at ingress (the birth date is never kept).
    columns: {
      user_id: 'text',
      person_hash: 'text',
      bound_at: 'integer',
      via: 'text',
      minimum_age: 'integer',
      organisation: 'text?',
      revoked_at: 'integer?',
      revoked_by: 'text?',
    },
    primaryKey: ['user_id'],
    indexes: [['person_hash']],
  },
];

interface BindingRow {
  [column: string]: string | number | null;
  user_id: string;
  person_hash: string;
  bound_at: number;
  via: string;
  minimum_age: number;
  organisation: string | null;
  revoked_at: number | null;
}

const PersonHash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const TokenHash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Organisation = Type.Object(
  { ministry: Type.String({ minLength: 1, maxLength: 200 }), department: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

const RegisterVerifiedArgs = Type.Object(
  {
    person_hash: PersonHash,
    server_name: Type.String({ minLength: 1, maxLength: 255 }),
    localpart: Type.Optional(Type.String({ pattern: '^[a-z0-9._=/+-]{1,200}$' })),
    via: Type.Union([Type.Literal('oidc'), Type.Literal('sd-jwt-vc')]),
    minimum_age: Type.Integer({ minimum: 0, maximum: 150 }),
    organisation: Type.Optional(Organisation),
    accounts_per_person: Type.Integer({ minimum: 1, maximum: 100 }),
    /** With an active account already bound to the person: sign in to it (SSO login) rather than refuse. */
    existing: Type.Union([Type.Literal('sign_in'), Type.Literal('refuse')]),
    /** A single-use login token for the account (the SSO callback hands it to the client). */
    login: Type.Optional(
      Type.Object(
        { login_hash: TokenHash, lifetime_ms: Type.Integer({ minimum: 1, maximum: 3_600_000 }) },
        { additionalProperties: false },
      ),
    ),
    /** A first session straight away (registration by credential). */
    session: Type.Optional(
      Type.Object(
        {
          device_id: Type.String({ minLength: 1, maxLength: 255 }),
          display_name: Type.Optional(Type.String({ maxLength: 255 })),
          token_hash: TokenHash,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const identityBindingMethods = {
  /**
   * Creates an account bound to a verified person, or (`existing: 'sign_in'`) finds the
   * person's account, in one command: the policy is checked and the account made in the
   * same transaction.
   */
  register_verified: method(RegisterVerifiedArgs, (ctx, args) => {
    const organisation = args.organisation ? JSON.stringify(organisationOf(args.organisation)) : null;
    const active = activeBindings(ctx.store, args.person_hash);
    let userId: string;
    let created = false;
    if (active.length > 0 && args.existing === 'sign_in') {
      userId = (active[0] as BindingRow).user_id;
      ctx.store.update('identity_bindings', userId, { organisation, minimum_age: args.minimum_age });
    } else {
      if (active.length >= args.accounts_per_person) {
        const limit = args.accounts_per_person;
        throw new AppError(
          'M_FORBIDDEN',
          `this person already has ${active.length} verified account${active.length === 1 ? '' : 's'} and the policy allows ${limit} per person; sign in to the existing account, or deactivate it first`,
        );
      }
      const localpart = args.localpart ?? `u-${ctx.random.string(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
      userId = createAccount(ctx.store, ctx.time, localpart, args.server_name, null);
      // A revoked binding of an earlier account stays as the record of the revocation.
      ctx.store.insert('identity_bindings', {
        user_id: userId,
        person_hash: args.person_hash,
        bound_at: ctx.time,
        via: args.via,
        minimum_age: args.minimum_age,
        organisation,
        revoked_at: null,
        revoked_by: null,
      });
      created = true;
    }
    if (args.login) {
      ctx.store.insert('login_tokens', {
        login_hash: args.login.login_hash,
        user_id: userId,
        expires_at: ctx.time + args.login.lifetime_ms,
      });
    }
    if (args.session) {
      openDevice(ctx.store, ctx.time, userId, args.session.device_id, args.session.display_name);
      issueTokens(ctx.store, ctx.time, userId, args.session.device_id, args.session.token_hash, undefined);
    }
    return { user_id: userId, created };
  }),
  /**
   * An administrator's revocation of a binding (a reported stolen identity): the account
   * loses its verification and its sessions and is closed; the person may bind again.
   * Who may call it is decided at ingress from the node's configured administrators (not yet
   * from replicated state: an ingress that lies about its caller is not caught here).
   */
  revoke_binding: method(Type.Object({ user_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }), (ctx, args) => {
    const binding = ctx.store.get<BindingRow>('identity_bindings', args.user_id);
    if (!binding || binding.revoked_at !== null) throw new AppError('M_NOT_FOUND', `${args.user_id} has no verified binding to revoke`);
    ctx.store.update('identity_bindings', args.user_id, { revoked_at: ctx.time, revoked_by: ctx.caller });
    closeAccount(ctx, args.user_id);
    return { user_id: args.user_id, revoked_at: ctx.time };
  }),
  /**
   * The owner closes their verified account; its binding no longer counts against the
   * person's limit. `login_hash` is a login token from a fresh sign-in at the identity
   * provider (accounts bound this way have no password), used up here: the person, not only
   * a stolen access token, asks for it.
   */
  deactivate_verified: method(Type.Object({ login_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    if (!ctx.store.get('identity_bindings', ctx.caller))
      throw new AppError('M_NOT_FOUND', 'this account is not bound to a verified person');
    const proof = ctx.store.get<{ user_id: string; expires_at: number }>('login_tokens', args.login_hash);
    if (!proof || proof.user_id !== ctx.caller || proof.expires_at <= ctx.time)
      throw new AppError('M_FORBIDDEN', 'confirm with a login token from a fresh sign-in at the identity provider; this one is not valid');
    ctx.store.delete('login_tokens', args.login_hash);
    closeAccount(ctx, ctx.caller);
    return {};
  }),
};

export const identityBindingQueries = {
  /** The person hash an active account is bound to, or null: what a second sign-in of its owner must reproduce. */
  bound_person: query(Type.Object({ user_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }), (ctx, args) => {
    const binding = ctx.store.get<BindingRow>('identity_bindings', args.user_id);
    const user = ctx.store.get<{ deactivated: number }>('users', args.user_id);
    return binding && binding.revoked_at === null && user && !user.deactivated ? binding.person_hash : null;
  }),
  /**
   * The facts a verified-person attestation states, or null for an account that is not (or
   * no longer) verified. Never the person hash: attestations must not link accounts.
   */
  verified_attestation: query(Type.Object({ user_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }), (ctx, args) => {
    const binding = ctx.store.get<BindingRow>('identity_bindings', args.user_id);
    if (!binding || binding.revoked_at !== null) return null;
    const user = ctx.store.get<{ deactivated: number }>('users', args.user_id);
    if (!user || user.deactivated) return null;
    return {
      user_id: binding.user_id,
      verified_person: true,
      verified_since: binding.bound_at,
      minimum_age: binding.minimum_age,
      ...(binding.organisation ? { organisation: JSON.parse(binding.organisation) as Record<string, string> } : {}),
    };
  }),
};

function activeBindings(store: AppStore, personHash: string): BindingRow[] {
  return store.select<BindingRow>(
    `SELECT b.* FROM {identity_bindings} b JOIN {users} u ON u.user_id = b.user_id
      WHERE b.person_hash = ? AND b.revoked_at IS NULL AND u.deactivated = 0 ORDER BY b.bound_at, b.user_id`,
    personHash,
  );
}

/** Key order fixed, so the stored JSON is the same on every replica whatever ingress sent. */
function organisationOf(organisation: { ministry: string; department?: string }): { ministry: string; department?: string } {
  return { ministry: organisation.ministry, ...(organisation.department ? { department: organisation.department } : {}) };
}
