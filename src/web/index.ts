/** The web: pages served by the node for people in a browser, each a client of the node's own API. */
import type { NodePart } from '../node/index.ts';
import { registerAppPages } from './apps/index.ts';
import { registerBuilderPages } from './builder/index.ts';
import { registerConsolePages } from './console/index.ts';
import { prepareWebScope, registerHome, registerSignIn, type WebOptions } from './shell/index.ts';

export type { WebOptions } from './shell/index.ts';

/**
 * The web as a part of a node. All its pages live in one Fastify scope, so its form parsers,
 * cross-site check and HTML errors never touch the JSON API beside it.
 */
export function createWeb(options: WebOptions = {}): NodePart {
  return {
    name: 'web',
    apps: [],
    registerRoutes(server) {
      server.register(async (scope) => {
        prepareWebScope(scope, options);
        registerHome(scope);
        registerSignIn(scope);
        registerAppPages(scope);
        registerBuilderPages(scope);
        registerConsolePages(scope);
      });
    },
  };
}
