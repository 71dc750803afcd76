import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { CredentialError, type IdentityConfig, organisationOf, personHash, verifyPresentation } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { newAccessToken, newDeviceId, tokenHash } from '../auth/tokens.ts';
import { runCommand } from './commands.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';

const Body = Type.Object(
  {
    credential: Type.String({ minLength: 1, maxLength: 32_768 }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._=/+-]+$' })),
    device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    initial_device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

/**
 * POST /_watan/v1/identity/register: registration by presenting a verified-person SD-JWT VC
 * from a trusted issuer, disclosing only what the policy needs (citizenship, the age
 * threshold). The credential is verified here and dropped; the account is bound to the keyed
 * hash of its subject, and the answer is a first session, as /register gives.
 */
export function registerCredentialRegistration(
  server: FastifyInstance,
  node: NodeContext,
  identity: IdentityConfig,
  limits: RateLimits,
): void {
  server.post('/_watan/v1/identity/register', { schema: { body: Body }, config: limitAuth(limits) }, async (request) => {
    const body = request.body as Static<typeof Body>;
    let holder: Awaited<ReturnType<typeof verifyPresentation>>;
    try {
      holder = await verifyPresentation(body.credential, identity.trustedIssuers, { minimumAge: identity.policy.minimumAge }, new Date());
    } catch (error) {
      if (error instanceof CredentialError) throw new ApiError(error.errcode === 'M_FORBIDDEN' ? 403 : 400, error.errcode, error.message);
      throw error;
    }
    const organisation = organisationOf(holder.organisation);
    const accessToken = newAccessToken();
    const deviceId = body.device_id ?? newDeviceId();
    const registered = await runCommand<{ user_id: string }>(
      node.subnet,
      'register_verified',
      {
        person_hash: personHash(identity.bindingSecret, holder.issuer, holder.subject),
        server_name: node.serverName,
        ...(body.username ? { localpart: body.username.toLowerCase() } : {}),
        via: 'sd-jwt-vc',
        minimum_age: identity.policy.minimumAge,
        ...(organisation ? { organisation } : {}),
        accounts_per_person: identity.policy.accountsPerPerson,
        existing: 'refuse',
        session: {
          device_id: deviceId,
          token_hash: tokenHash(accessToken),
          ...(body.initial_device_display_name ? { display_name: body.initial_device_display_name } : {}),
        },
      },
      'anonymous',
    );
    return { user_id: registered.user_id, device_id: deviceId, access_token: accessToken };
  });
}
