/**
 * Splits a request's map of user ids into this server's users and the servers the rest
 * belong to. This server does not federate yet, so every other server is a failure: the
 * specification's way to say it "could not be reached".
 */
export function localUsersOf<T>(
  byUser: Record<string, T>,
  serverName: string,
): { local: Record<string, T>; failures: Record<string, { errcode: string; error: string }> } {
  const local: Record<string, T> = {};
  const failures: Record<string, { errcode: string; error: string }> = {};
  for (const [userId, value] of Object.entries(byUser)) {
    const server = userId.slice(userId.indexOf(':') + 1);
    if (server === serverName) local[userId] = value;
    else failures[server] = { errcode: 'M_UNRECOGNIZED', error: `this server does not reach ${server}` };
  }
  return { local, failures };
}
