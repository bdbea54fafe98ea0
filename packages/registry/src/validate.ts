import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';

export function invalidArgument(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, message);
}

export function closedError(registry: string): RpcError {
  return new RpcError(Code.Shutdown, `${registry} registry is closed`);
}

/** Checks a service key and returns a plain frozen copy (exactly interface, version, group). */
export function checkServiceKey(key: unknown): ServiceKey {
  if (typeof key !== 'object' || key === null) throw invalidArgument('service key must be an object');
  const k = key as Record<string, unknown>;
  if (typeof k.interface !== 'string' || k.interface === '') {
    throw invalidArgument('service key needs a non-empty interface name');
  }
  for (const field of ['version', 'group'] as const) {
    if (k[field] !== undefined && typeof k[field] !== 'string') {
      throw invalidArgument(`service key ${field} must be a string or undefined, got ${k[field] === null ? 'null' : typeof k[field]}`);
    }
  }
  const out: { interface: string; version?: string; group?: string } = { interface: k.interface };
  if (k.version !== undefined) out.version = k.version as string;
  if (k.group !== undefined) out.group = k.group as string;
  return Object.freeze(out);
}

/**
 * Checks a registration and returns a frozen copy, so later changes to the caller's objects do not
 * leak into what subscribers were sent.
 */
export function checkRegistration(registration: unknown): Registration {
  if (typeof registration !== 'object' || registration === null) throw invalidArgument('registration must be an object');
  const r = registration as Record<string, unknown>;
  const service = checkServiceKey(r.service);
  const e = r.endpoint as Record<string, unknown> | null | undefined;
  if (typeof e !== 'object' || e === null) throw invalidArgument('registration needs an endpoint');
  if (typeof e.protocol !== 'string' || !/^[a-z][a-z0-9+.-]*$/i.test(e.protocol)) {
    throw invalidArgument(`endpoint protocol must be a URL scheme, got ${JSON.stringify(e.protocol)}`);
  }
  if (typeof e.host !== 'string' || e.host === '') throw invalidArgument('endpoint host must be a non-empty string');
  if (typeof e.port !== 'number' || !Number.isInteger(e.port) || e.port <= 0 || e.port > 65535) {
    throw invalidArgument(`endpoint port must be an integer in 1..65535, got ${String(e.port)}`);
  }
  const weight = e.weight === undefined ? 100 : e.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw invalidArgument(`endpoint weight must be a finite number >= 0, got ${String(e.weight)}`);
  }
  // Null prototype: a `__proto__` key from decoded JSON stays an ordinary key.
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (e.params !== undefined) {
    if (typeof e.params !== 'object' || e.params === null) throw invalidArgument('endpoint params must be an object');
    for (const [k, v] of Object.entries(e.params)) {
      if (typeof v !== 'string') throw invalidArgument(`endpoint param ${JSON.stringify(k)} must be a string`);
      params[k] = v;
    }
  }
  const methods = r.methods === undefined ? [] : r.methods;
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
    throw invalidArgument('registration methods must be an array of strings');
  }
  if (r.application !== undefined && typeof r.application !== 'string') {
    throw invalidArgument('registration application must be a string or undefined');
  }
  const out: { service: ServiceKey; endpoint: Registration['endpoint']; methods: readonly string[]; application?: string } = {
    service,
    endpoint: endpoint(e.protocol, e.host, e.port, params, weight),
    methods: Object.freeze([...(methods as string[])]),
  };
  if (r.application !== undefined) out.application = r.application as string;
  return Object.freeze(out);
}

/** An option in ms: `fallback` when not given, else a positive finite number (`name` says which, in the error). */
export function positiveMs(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidArgument(`${name} must be a positive number of ms`);
  return value;
}
