import { metrics, ValueType, type MeterProvider } from '@opentelemetry/api';

/**
 * Meshlet's metrics, through the OpenTelemetry metrics API (no-ops until an SDK is registered).
 * Durations follow the RPC conventions (`rpc.client.call.duration`, seconds); the rest are
 * Meshlet's own, under `meshlet.*`.
 *
 * The metrics API has no proxy provider (unlike tracing): instruments made before the SDK is
 * registered stay no-ops. So they are made on first use and made again if the provider changes.
 */
function createInstruments(provider: MeterProvider) {
  const meter = provider.getMeter('meshlet', '0.1.0');
  return {
    provider,
    clientDuration: meter.createHistogram('rpc.client.call.duration', {
      unit: 's', description: 'Duration of outgoing RPC attempts', valueType: ValueType.DOUBLE,
    }),
    serverDuration: meter.createHistogram('rpc.server.call.duration', {
      unit: 's', description: 'Duration of handled RPC requests', valueType: ValueType.DOUBLE,
    }),
    calls: meter.createCounter('meshlet.calls', { unit: '{call}', description: 'Calls, by side, system, method and status code' }),
    inFlight: meter.createUpDownCounter('meshlet.calls.in_flight', { unit: '{call}', description: 'Calls started and not finished' }),
    connections: meter.createUpDownCounter('meshlet.connections', { unit: '{connection}', description: 'Open connections, by side' }),
    breakerTransitions: meter.createCounter('meshlet.breaker.transitions', { unit: '{transition}', description: 'Circuit breaker state changes' }),
    registryChanges: meter.createCounter('meshlet.registry.changes', { unit: '{change}', description: 'Endpoint-set updates received from registries' }),
    authzDenied: meter.createCounter('meshlet.authz.denied', { unit: '{call}', description: 'Calls refused by authorization policies, by service, method and deciding policy' }),
    tlsLoads: meter.createCounter('meshlet.tls.loads', { unit: '{load}', description: 'Certificate loads by rotating TLS sources (files, SDS): adopted, or refused with the last good kept' }),
    ruleLoads: meter.createCounter('meshlet.routing.rule_loads', { unit: '{load}', description: 'Routing rule documents (Dubbo condition and tag rules) adopted, removed, or refused with the rule in force kept' }),
  };
}

let current: ReturnType<typeof createInstruments> | undefined;

function instruments() {
  const provider = metrics.getMeterProvider();
  if (current === undefined || current.provider !== provider) current = createInstruments(provider);
  return current;
}

const CLIENT = { 'meshlet.side': 'client' };
const SERVER = { 'meshlet.side': 'server' };

/** `status` is the call's `rpc.status_code`, as `statusOf` gives it (the same as on its span). */
export function recordCall(side: 'client' | 'server', system: string, method: string, ms: number, status: string): void {
  const attributes = { 'rpc.system.name': system, 'rpc.method': method, 'rpc.status_code': status, 'meshlet.side': side };
  const i = instruments();
  (side === 'client' ? i.clientDuration : i.serverDuration).record(ms / 1000, attributes);
  i.calls.add(1, attributes);
}

export function callStarted(side: 'client' | 'server', delta: 1 | -1): void {
  instruments().inFlight.add(delta, side === 'client' ? CLIENT : SERVER);
}

export function connectionChanged(side: 'client' | 'server', delta: 1 | -1): void {
  instruments().connections.add(delta, side === 'client' ? CLIENT : SERVER);
}

export function breakerTransition(endpoint: string, state: string): void {
  instruments().breakerTransitions.add(1, { 'server.address': endpoint, 'meshlet.breaker.state': state });
}

export function registryChanged(service: string): void {
  instruments().registryChanges.add(1, { 'meshlet.service': service });
}

/**
 * A call refused by authorization (`@meshlet/security`): `policy` is the DENY policy that matched,
 * or empty when no ALLOW policy did. The policy name stays in telemetry, not in the caller's error.
 */
export function authzDenied(service: string, method: string, policy: string): void {
  // `rpc.method` fully qualified (`interface/method`), as on the call's span and `meshlet.calls`.
  instruments().authzDenied.add(1, { 'rpc.method': `${service}/${method}`, 'meshlet.authz.policy': policy });
}

/**
 * A rotating TLS source (`@meshlet/security`: `files`, `sds`) adopted new certificates, or refused
 * them (`errorCode`: the RpcError code; the last good material stays in use). Alert on refusals:
 * a source that keeps refusing serves a certificate that will expire.
 */
export function tlsLoad(source: string, outcome: 'adopted' | 'refused', errorCode?: string): void {
  const attributes: Record<string, string> = { 'meshlet.tls.source': source, 'meshlet.tls.outcome': outcome };
  if (errorCode !== undefined) attributes['error.type'] = errorCode;
  instruments().tlsLoads.add(1, attributes);
}

/**
 * A Dubbo routing rule (`key`: its config key) from a config source or code was adopted, removed,
 * or refused (`errorCode`; the rule in force stays). Alert on refusals: the rule an operator wrote
 * is not the one routing calls.
 */
export function routingRuleLoad(key: string, origin: 'config' | 'code', outcome: 'adopted' | 'removed' | 'refused', errorCode?: string): void {
  const attributes: Record<string, string> = { 'meshlet.routing.rule': key, 'meshlet.routing.origin': origin, 'meshlet.routing.outcome': outcome };
  if (errorCode !== undefined) attributes['error.type'] = errorCode;
  instruments().ruleLoads.add(1, attributes);
}
