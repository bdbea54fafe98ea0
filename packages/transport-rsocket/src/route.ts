import { Code, RpcError } from '@meshlet/core';

/**
 * The route of a method is `<interface>.<method>`, e.g. `com.meshlet.conformance.EchoService.echo`:
 * what Spring's `@MessageMapping` matches with its default `.` separator, whether the mapping is
 * written whole on the method or split as `@MessageMapping("com.meshlet.conformance.EchoService")`
 * on the class and `@MessageMapping("echo")` on the method. The method part is the Java method
 * name (`MethodSpec.name`, else the JS key). Version and group travel in Meshlet's metadata entry.
 */
export function routeOf(iface: string, method: string): string {
  return `${iface}.${method}`;
}

/** Splits a route at its last `.`. Throws METHOD_NOT_FOUND for a route that cannot name a method. */
export function parseRoute(route: string): { interface: string; method: string } {
  const dot = route.lastIndexOf('.');
  if (dot <= 0 || dot === route.length - 1) {
    throw new RpcError(Code.MethodNotFound, `no route ${JSON.stringify(route)}: routes are <interface>.<method>`);
  }
  return { interface: route.slice(0, dot), method: route.slice(dot + 1) };
}
