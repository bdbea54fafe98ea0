import { endpoint, normalizeVersion, type Registration, type ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';

/**
 * The JSON form of a motan URL that the motan-go agent's `/registry/*` API takes (field names and
 * order from motan-go's `core.URL`; motan.md §3.3):
 * `{"protocol":"motan2","host":"127.0.0.1","port":9100,"path":"com.example.NodeService","group":"g","parameters":{...}}`.
 * Meshlet's agent takes the same shape for any protocol, with the service version, application,
 * methods and weight as parameters.
 */
export interface JsonUrl {
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly group?: string | undefined;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Motan's group when none is configured: the agent files services under it. */
export const MOTAN_DEFAULT_GROUP = 'default_rpc';

/** Keys of `parameters` that carry a registration's own fields rather than endpoint params. */
const OWN = new Set(['version', 'application', 'methods', 'weight']);

export interface JsonUrlOptions {
  /** The group to send when the service has none (the motan-go agent needs one: `default_rpc`). */
  readonly defaultGroup?: string | undefined;
  /** Extra parameters (the motan-go agent's `proxyRegistry`). */
  readonly parameters?: Readonly<Record<string, string>> | undefined;
}

export function registrationToJsonUrl(r: Registration, o: JsonUrlOptions = {}): JsonUrl {
  const parameters: Record<string, string> = { ...r.endpoint.params, ...o.parameters };
  if (r.service.version !== undefined) parameters.version = r.service.version;
  if (r.application !== undefined) parameters.application = r.application;
  if (r.methods.length > 0) parameters.methods = r.methods.join(',');
  if (r.endpoint.weight !== 100) parameters.weight = String(r.endpoint.weight);
  return {
    protocol: r.endpoint.protocol,
    host: r.endpoint.host,
    port: r.endpoint.port,
    path: r.service.interface,
    group: r.service.group ?? o.defaultGroup,
    parameters,
  };
}

/** A subscription: the service only, as the agents' `/registry/subscribe` takes it. */
export function serviceToJsonUrl(protocol: string, key: ServiceKey, o: JsonUrlOptions = {}): JsonUrl {
  const parameters: Record<string, string> = { ...o.parameters };
  if (key.version !== undefined) parameters.version = key.version;
  return { protocol, host: '', port: 0, path: key.interface, group: key.group ?? o.defaultGroup, parameters };
}

/** JSON text in motan-go's field order (`group` left out when there is none). */
export function jsonUrlText(u: JsonUrl): string {
  return JSON.stringify({ protocol: u.protocol, host: u.host, port: u.port, path: u.path, group: u.group, parameters: u.parameters });
}

/**
 * Reads a JSON URL as an agent receives it (untrusted input): every field checked, parameters
 * kept as strings in a null-prototype object. Throws RpcError INVALID_ARGUMENT.
 */
export function parseJsonUrl(value: unknown): JsonUrl {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument('the body must be a JSON URL object');
  const v = value as Record<string, unknown>;
  const text = (k: string, required: boolean): string | undefined => {
    const x = v[k];
    if (x === undefined || x === null || x === '') {
      if (required) throw invalidArgument(`the JSON URL needs a non-empty "${k}"`);
      return undefined;
    }
    if (typeof x !== 'string') throw invalidArgument(`the JSON URL's "${k}" must be a string`);
    return x;
  };
  const protocol = text('protocol', true)!;
  const path = text('path', true)!;
  const port = v.port === undefined || v.port === null ? 0 : typeof v.port === 'string' ? Number(v.port) : v.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw invalidArgument('the JSON URL\'s "port" must be an integer in 0..65535');
  const parameters: Record<string, string> = Object.create(null);
  if (v.parameters !== undefined && v.parameters !== null) {
    if (typeof v.parameters !== 'object' || Array.isArray(v.parameters)) throw invalidArgument('the JSON URL\'s "parameters" must be an object');
    for (const [k, x] of Object.entries(v.parameters)) {
      if (typeof x === 'string') parameters[k] = x;
      else if (typeof x === 'number' || typeof x === 'boolean') parameters[k] = String(x);
    }
  }
  return { protocol, host: text('host', false) ?? '', port, path, group: text('group', false), parameters };
}

/** The service key a JSON URL names (the version from `parameters.version`). */
export function jsonUrlService(u: JsonUrl): ServiceKey {
  return { interface: u.path, version: normalizeVersion(u.parameters.version), group: u.group || undefined };
}

/** The registration a JSON URL describes, at `host` when the URL names none. */
export function jsonUrlToRegistration(u: JsonUrl, fallbackHost: string): Registration {
  if (u.port <= 0) throw invalidArgument('a registration needs the app\'s port');
  const params: Record<string, string> = Object.create(null);
  for (const [k, x] of Object.entries(u.parameters)) if (!OWN.has(k)) params[k] = x;
  const weight = u.parameters.weight === undefined ? 100 : Number(u.parameters.weight);
  const methods = u.parameters.methods ? u.parameters.methods.split(',').filter(Boolean) : [];
  return {
    service: jsonUrlService(u),
    endpoint: endpoint(u.protocol, u.parameters['proxy.host'] || u.host || fallbackHost, u.port, params, Number.isFinite(weight) && weight >= 0 ? weight : 100),
    methods,
    application: u.parameters.application,
  };
}
