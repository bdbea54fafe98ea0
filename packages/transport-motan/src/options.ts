import { Code, RpcError } from '@meshlet/core';
import type { BreezeFieldIndexes } from './breeze/schema.js';
import { STOP_NOTICE, STOP_REFUSALS } from './constants.js';
import { Serializations, isSerializationName } from './serializations.js';
import type { SerializationName } from './serializer.js';

/** `motan2(options)`. */
export interface Motan2Options {
  /**
   * The serialization of the requests this side sends: `simple` (motan-go's and the agent's
   * default) or `breeze` (classes as typed messages). A provider always answers in the
   * serialization of the request, whatever this says. Default `simple`.
   */
  readonly serialization?: SerializationName;
  /** Per interface name, overriding `serialization` and what the provider's URL declares. */
  readonly services?: Readonly<Record<string, SerializationName>>;
  /**
   * Gzip bodies longer than this many bytes (Motan's `mingzSize`); off by default, as in Java.
   * Gzipped bodies from peers are always read.
   */
  readonly minGzipSize?: number;
  /**
   * Breeze field indexes for classes whose peers use a breeze schema (class → field → index).
   * Without it a class's fields are numbered as breeze Java numbers a plain Java class's.
   */
  readonly breezeFieldIndexes?: BreezeFieldIndexes;
  /**
   * On graceful stop, how long a provider still serves new requests before refusing them as
   * "provider stopping", ms (1000, `STOP_NOTICE`; at most half the grace period). Callers that
   * found it through a registry need this long to see it withdrawn: raise it when theirs is slower.
   */
  readonly stopNotice?: number;
  /**
   * Past the notice, how many requests in a row a stopping provider refuses per connection before
   * it serves, answering 300 ms late, those already on their way (10, `STOP_REFUSALS`): match the
   * callers' error threshold for dropping an address (Java motan's `fusingThreshold`, motan-go's
   * `errorCountThreshold`, both 10).
   */
  readonly stopRefusals?: number;
}

export interface ResolvedOptions {
  readonly serialization: SerializationName;
  readonly services: Readonly<Record<string, SerializationName>>;
  readonly minGzipSize: number;
  readonly serializations: Serializations;
  readonly stopNotice: number;
  readonly stopRefusals: number;
}

/** Checks the options once, when the protocol is created, so a typo fails at startup. */
export function resolveOptions(options: Motan2Options = {}): ResolvedOptions {
  const serialization = options.serialization ?? 'simple';
  const services = { ...options.services };
  for (const name of [serialization, ...Object.values(services)]) {
    if (!isSerializationName(name)) {
      throw new RpcError(Code.InvalidArgument, `motan2: unknown serialization ${JSON.stringify(name)} (Meshlet speaks simple and breeze)`);
    }
  }
  const minGzipSize = options.minGzipSize ?? Infinity;
  if (!(minGzipSize >= 0)) throw new RpcError(Code.InvalidArgument, `motan2: minGzipSize must be a non-negative number, got ${String(options.minGzipSize)}`);
  const stopNotice = options.stopNotice ?? STOP_NOTICE;
  if (!(stopNotice >= 0)) throw new RpcError(Code.InvalidArgument, `motan2: stopNotice must be a non-negative number of ms, got ${String(options.stopNotice)}`);
  const stopRefusals = options.stopRefusals ?? STOP_REFUSALS;
  if (!(Number.isInteger(stopRefusals) && stopRefusals >= 1)) throw new RpcError(Code.InvalidArgument, `motan2: stopRefusals must be a positive integer, got ${String(options.stopRefusals)}`);
  return { serialization, services, minGzipSize, serializations: new Serializations(options.breezeFieldIndexes), stopNotice, stopRefusals };
}
