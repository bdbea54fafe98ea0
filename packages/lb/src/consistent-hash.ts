import { Code, RpcError, type Candidate, type Endpoint, type Invocation, type MethodDefinition } from '@meshlet/core';
import { EndpointState } from './endpoint-state.js';
import { EndpointTable } from './endpoint-table.js';
import { HashRing, keyPoint } from './hash-ring.js';
import { javaString } from './java-string.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, type BalancerOptions } from './options.js';

export interface ConsistentHashOptions extends Pick<BalancerOptions, 'clock'> {
  /**
   * Indexes of the arguments whose values form the key (Dubbo's `hash.arguments`). Default: the
   * provider URL's `<method>.hash.arguments` or `hash.arguments`, else `[0]`.
   */
  readonly arguments?: readonly number[];
  /** Points per endpoint on the ring (Dubbo's `hash.nodes`). Default: from the provider URL, else 160. */
  readonly nodes?: number;
  /** A key of your own instead of the arguments. Java consumers will not agree with it. */
  readonly key?: (invocation: Invocation) => string;
}

export const CONSISTENT_HASH_DEFAULTS = { arguments: [0] as readonly number[], nodes: 160 } as const;

/** How one method hashes, resolved once per method and ring. */
interface Rule {
  readonly indexes: readonly number[];
  readonly ring: HashRing<EndpointState>;
}

/**
 * Consistent hash on chosen arguments, on the same ring as Dubbo's `consistenthash`: Java and Node
 * consumers of one provider set send a given key to the same provider, and when a provider leaves
 * only the keys it held move.
 *
 * The ring spans every known endpoint. An endpoint that is known but not among this pick's
 * candidates (open breaker, reconnecting) is stepped over clockwise, which sends its keys exactly
 * where a ring rebuilt without it would, and brings them back when it returns, without a rebuild.
 * O(log(n·nodes)) per pick plus one MD5 of the key.
 */
export function consistentHash(options: ConsistentHashOptions = {}): ManagedLoadBalancer {
  if (options.nodes !== undefined && !(Number.isInteger(options.nodes) && options.nodes >= 4)) {
    throw new RpcError(Code.InvalidArgument, `consistenthash: nodes must be an integer >= 4 (Dubbo uses nodes/4 digests), got ${options.nodes}`);
  }
  if (options.arguments !== undefined && !options.arguments.every((i) => Number.isInteger(i))) {
    throw new RpcError(Code.InvalidArgument, `consistenthash: arguments must be integer indexes, got ${JSON.stringify(options.arguments)}`);
  }
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new EndpointState(e, a, now), clock);
  const rings = new Map<number, HashRing<EndpointState>>();
  let rules = new WeakMap<MethodDefinition, Rule>();
  let builtFor = -1;

  function ruleFor(method: MethodDefinition): Rule {
    if (builtFor !== table.membership) {
      rings.clear();
      rules = new WeakMap();
      builtFor = table.membership;
    }
    let rule = rules.get(method);
    if (rule === undefined) {
      const params = firstParams();
      const indexes = options.arguments ?? parseIndexes(methodParam(params, method.name, 'hash.arguments'));
      const nodes = options.nodes ?? parseNodes(methodParam(params, method.name, 'hash.nodes'));
      let ring = rings.get(nodes);
      if (ring === undefined) {
        const members = [...table.states()].map((s) => ({ ringAddress: ringAddress(s.endpoint), value: s }));
        rings.set(nodes, (ring = HashRing.build(members, nodes)));
      }
      rules.set(method, (rule = { indexes, ring }));
    }
    return rule;
  }

  function firstParams(): Readonly<Record<string, string>> {
    for (const s of table.states()) return s.endpoint.params;
    return {};
  }

  return {
    name: 'consistenthash',
    pick<C extends Candidate>(candidates: readonly C[], invocation: Invocation): C {
      if (candidates.length === 1) return candidates[0]!;
      table.sync(candidates);
      const { indexes, ring } = ruleFor(invocation.method);
      const key = options.key ? options.key(invocation) : keyOf(invocation, indexes);
      let i = ring.ceiling(keyPoint(key));
      for (let step = 0; step < ring.size; step++) {
        const s = ring.ownerAt(i);
        if (table.isCandidate(s)) return candidates[s.slot]!;
        i = i + 1 === ring.size ? 0 : i + 1;
      }
      return candidates[0]!;
    },
    update: (endpoints) => table.update(endpoints),
  };
}

/** The key Dubbo builds: the chosen arguments' `toString`s, concatenated; out-of-range indexes skipped. */
export function keyOf(invocation: Pick<Invocation, 'args' | 'method'>, indexes: readonly number[]): string {
  const { args, method } = invocation;
  let key = '';
  for (const i of indexes) {
    if (i >= 0 && i < args.length) key += javaString(args[i], method.params[i]);
  }
  return key;
}

/** Dubbo's `URL.getAddress()`: `host:port`, the string its ring hashes. */
export function ringAddress(e: Pick<Endpoint, 'host' | 'port'>): string {
  return e.port > 0 ? `${e.host}:${e.port}` : e.host;
}

function methodParam(params: Readonly<Record<string, string>>, method: string, key: string): string | undefined {
  return params[`${method}.${key}`] ?? params[key];
}

function parseIndexes(text: string | undefined): readonly number[] {
  if (text === undefined) return CONSISTENT_HASH_DEFAULTS.arguments;
  const indexes = text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n));
  return indexes.length > 0 ? indexes : CONSISTENT_HASH_DEFAULTS.arguments;
}

function parseNodes(text: string | undefined): number {
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) && n >= 4 ? n : CONSISTENT_HASH_DEFAULTS.nodes;
}
