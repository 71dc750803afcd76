import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { verifiedProfileFields } from './verified-profile.ts';

const Params = Type.Object({ userId: Type.String({ maxLength: 255 }) });
const FieldParams = Type.Object({ userId: Type.String({ maxLength: 255 }), field: Type.String({ maxLength: 64 }) });
const FIELDS = ['displayname', 'avatar_url'] as const;

/** Profiles: anyone signed in may read one; only its owner may change it. */
export function registerProfile(server: FastifyInstance, node: NodeContext): void {
  const fieldOf = (field: string) => {
    if (!(FIELDS as readonly string[]).includes(field))
      throw new ApiError(404, 'M_NOT_FOUND', `profiles here hold ${FIELDS.join(' and ')}, not ${field}`);
    return field as (typeof FIELDS)[number];
  };
  clientRoute(server, 'GET', '/profile/:userId', { params: Params }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId } = request.params as Static<typeof Params>;
    const profile = runQuery<Record<string, unknown>>(node.subnet, 'profile', { user_id: userId }, session.userId);
    // A verified account's badge and an official's organisation, under Watan's namespace.
    return { ...profile, ...verifiedProfileFields(node, userId, session.userId) };
  });
  clientRoute(server, 'GET', '/profile/:userId/:field', { params: FieldParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId, field } = request.params as Static<typeof FieldParams>;
    const name = fieldOf(field);
    const profile = runQuery<Record<string, string>>(node.subnet, 'profile', { user_id: userId }, session.userId);
    if (profile[name] === undefined) throw new ApiError(404, 'M_NOT_FOUND', `${userId} has no ${name}`);
    return { [name]: profile[name] };
  });
  clientRoute(server, 'PUT', '/profile/:userId/:field', { params: FieldParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId, field } = request.params as Static<typeof FieldParams>;
    if (userId !== session.userId) throw new ApiError(403, 'M_FORBIDDEN', 'you can only change your own profile');
    const name = fieldOf(field);
    const value = (request.body as Record<string, unknown> | undefined)?.[name];
    if (value !== null && (typeof value !== 'string' || value.length > 1024)) {
      throw new ApiError(400, 'M_BAD_JSON', `${name} must be a string of at most 1024 characters, or null`);
    }
    await runCommand(node.subnet, 'set_profile', { field: name, value }, session.userId);
    return {};
  });
}
