import { tagRouter, type Router, type TagRules } from '../runtime/router.js';
import { NamedTable, type RegisterOptions } from './table.js';

/** What the runtime hands a router factory. */
export interface RouterOptions {
  /** The runtime's current tag rules (`MeshletOptions.routes`, changed by `setRoutes`), read per call. */
  readonly routes: () => TagRules;
}

/** Makes the router of one runtime. */
export type RouterFactory = (options: RouterOptions) => Router;

/** The router used when none is named: Dubbo-style tag routing. */
export const DEFAULT_ROUTER = 'tag';

const routers = new NamedTable<RouterFactory>('router', [
  [DEFAULT_ROUTER, (options) => tagRouter(options.routes)],
]);

/** Makes `router: 'name'` in the runtime options understand `name`. */
export function registerRouter(name: string, factory: RouterFactory, options?: RegisterOptions): void {
  routers.register(name, factory, options);
}

/** The router registered as `name`; RpcError INVALID_ARGUMENT if there is none. */
export function createRouter(name: string, options: RouterOptions = { routes: () => ({}) }): Router {
  return routers.get(name)(options);
}

/** The registered router names, sorted. */
export function routerNames(): string[] {
  return routers.names();
}
