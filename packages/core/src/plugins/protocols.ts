import type { Protocol } from '../protocol.js';
import { NamedTable, type RegisterOptions } from './table.js';

/** Makes a protocol instance (a transport's `dubbo`, `bolt`, `motan2`, `rsocket`). */
export type ProtocolFactory<O = any> = (options?: O) => Protocol;

/**
 * What a transport package exports for registration: its name and factory. The umbrella package
 * registers the built-in ones in one list; a new protocol is one folder plus one such line.
 */
export interface ProtocolRegistration<O = any> {
  readonly name: string;
  readonly create: ProtocolFactory<O>;
}

const protocols = new NamedTable<ProtocolFactory>('protocol');

/** Makes `createProtocol(name)` and `protocols: ['name']` in the runtime options understand `name`. */
export function registerProtocol<O>(name: string, factory: ProtocolFactory<O>, options?: RegisterOptions): void {
  protocols.register(name, factory, options);
}

/** Registers each of a list of transport registrations (`[dubboProtocol, boltProtocol]`). */
export function registerProtocols(list: readonly ProtocolRegistration[], options?: RegisterOptions): void {
  for (const p of list) registerProtocol(p.name, p.create, options);
}

/** A new instance of the protocol registered as `name`; RpcError INVALID_ARGUMENT if there is none. */
export function createProtocol<O>(name: string, options?: O): Protocol {
  return protocols.get(name)(options);
}

/** The registered protocol names, sorted. */
export function protocolNames(): string[] {
  return protocols.names();
}

/** A list of protocols and registered names as protocols (names get default options). */
export function resolveProtocols(list: readonly (Protocol | string)[]): Protocol[] {
  return list.map((p) => (typeof p === 'string' ? createProtocol(p) : p));
}
