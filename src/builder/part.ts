import type { NodePart } from '../node/index.ts';
import { builderApp } from './app.ts';
import { registerBuilderRoutes } from './http/routes.ts';
import { registerLicenceRoutes } from './licences/index.ts';
import { NotificationDispatcher } from './notification-dispatcher.ts';
import { registerPeopleRoutes } from './people/index.ts';
import { configuredPlanner, registerPlanRoute } from './planner/index.ts';

/** The builder as a part of a node: its subnet app and its HTTP API. */
export function createBuilder(): NodePart {
  return {
    name: 'builder',
    apps: [builderApp],
    registerRoutes(server, node) {
      registerBuilderRoutes(server, node);
      registerLicenceRoutes(server, node);
      registerPeopleRoutes(server, node);
      const { planner, plansPerMinute } = configuredPlanner();
      registerPlanRoute(server, node, planner, { plansPerMinute });
      const dispatcher = new NotificationDispatcher(node.subnet, node.serverName, server.log as never);
      server.addHook('onClose', () => dispatcher.stop());
    },
  };
}
