import { Code, RpcError, type ConfigSource, type Interceptor } from '@meshlet/core';
import {
  DefaultController, PASS, REFUSE, ThrottlingController, WarmUpController, WarmUpRateLimiterController, type FlowController,
} from './controllers.js';
import { LIMIT_APP_DEFAULT, LIMIT_APP_OTHER, parseFlowRules, type FlowRule, type ValidFlowRule } from './rule.js';
import { StatNode } from './stat-node.js';
import { FlowInterceptors, type FlowInterceptorOptions } from './interceptors.js';

export interface FlowRulesOptions extends FlowInterceptorOptions {
  /** The rules to start with (`set` replaces them). */
  readonly rules?: readonly FlowRule[] | string;
  /** Sentinel's `csp.sentinel.flow.cold.factor` (3): a cold resource admits count / coldFactor. */
  readonly coldFactor?: number;
  /** Callers (origins) tracked per resource for `limitApp` rules; later ones share one count (1000). */
  readonly maxOrigins?: number;
  /** Milliseconds since the epoch; `Date.now` unless a test drives time. */
  readonly clock?: () => number;
}

/** Sentinel's `limitApp` classes, checked in this order per call. */
const enum Kind { Specific, Other, Default }

/** A rule with its controller, made when rules are set. */
export interface CompiledRule {
  readonly rule: ValidFlowRule;
  readonly kind: Kind;
  readonly controller: FlowController;
  /** A relate rule's watched resource. */
  readonly ref: ResourceEntry | undefined;
}

/**
 * One resource: its statistics (kept across rule changes, as Sentinel's cluster nodes are) and its
 * rules, compiled. Interceptors hold these objects, so a rule change reaches the next call without
 * any lookup by name.
 */
export class ResourceEntry {
  readonly node = new StatNode();
  rules: readonly CompiledRule[] = [];
  /** Passes are counted: the resource has rules, or a relate rule watches it. */
  counted = false;
  /** Calls in flight are counted: a THREAD rule reads this resource's node. */
  threads = false;
  /** Some rule reads a caller's own count (limitApp other than `default`). */
  byOrigin = false;
  /** ...and one of those is a THREAD rule (an in-flight count per caller). */
  threadsByOrigin = false;
  /** The application names rules name here (a caller among them is not `other`). */
  apps: ReadonlySet<string> = EMPTY;
  private origins: Map<string, StatNode> | undefined;
  private overflow: StatNode | undefined;
  /** The rule that refused the last refused call (read at once by the caller that was refused). */
  refusedBy: ValidFlowRule | undefined;

  constructor(readonly name: string, private readonly maxOrigins: number) {}

  originNode(origin: string): StatNode {
    const origins = (this.origins ??= new Map());
    let node = origins.get(origin);
    if (node === undefined) {
      // Origins come from callers' attachments: bounded, so no caller can grow this without end.
      if (origins.size >= this.maxOrigins) return (this.overflow ??= new StatNode());
      origins.set(origin, (node = new StatNode()));
    }
    return node;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
export const HELD_NODE = 1;
export const HELD_ORIGIN = 2;

/**
 * Flow control with Sentinel's semantics (`FlowRuleChecker` with its four controllers over
 * `StatisticNode` windows), for rules in Sentinel's JSON shape. Per call: the rules of the call's
 * resources are already compiled and found through the call's definitions; checking them reads a
 * few numbers and allocates nothing unless the call must queue (rate limiter) or be refused.
 */
export class FlowRules {
  private readonly entries = new Map<string, ResourceEntry>();
  private current: readonly ValidFlowRule[] = [];
  private readonly coldFactor: number;
  private readonly maxOrigins: number;
  readonly clock: () => number;
  private readonly interceptors: FlowInterceptors;

  constructor(options: FlowRulesOptions = {}) {
    this.coldFactor = options.coldFactor ?? 3;
    if (!Number.isInteger(this.coldFactor) || this.coldFactor <= 1) {
      throw new RpcError(Code.InvalidArgument, `flow coldFactor must be an integer > 1, got ${options.coldFactor}`);
    }
    this.maxOrigins = options.maxOrigins ?? 1000;
    this.clock = options.clock ?? Date.now;
    this.interceptors = new FlowInterceptors(this, options);
    if (options.rules !== undefined) this.set(options.rules);
  }

  /** Provider side: resources named as Sentinel's provider filter names them; `limitApp` matches the caller's application. */
  get serverInterceptor(): Interceptor {
    return this.interceptors.server;
  }

  /** Consumer side: resources as the consumer filter names them (no caller: only `default` rules apply). */
  get clientInterceptor(): Interceptor {
    return this.interceptors.client;
  }

  /**
   * Replaces every rule (a list, or a JSON array as a datasource holds it). The whole set is
   * checked first: one invalid rule refuses the change with an `RpcError` (INVALID_ARGUMENT, or
   * UNSUPPORTED for cluster mode, chain strategy and regex resources) and the rules in force stay.
   * Controllers start afresh (warm-up cold again, pacing from now), counts carry on, as when
   * Sentinel loads rules.
   */
  set(rules: readonly FlowRule[] | string): void {
    const valid = parseFlowRules(rules as string | readonly unknown[]);
    const byResource = new Map<string, ValidFlowRule[]>();
    for (const rule of valid) {
      let list = byResource.get(rule.resource);
      if (list === undefined) byResource.set(rule.resource, (list = []));
      list.push(rule);
    }
    for (const entry of this.entries.values()) this.clear(entry);
    for (const [resource, list] of byResource) {
      const entry = this.resource(resource);
      // FlowRuleComparator: rules for `default` last; the others keep their order.
      const ordered = [...list.filter((r) => r.limitApp !== LIMIT_APP_DEFAULT), ...list.filter((r) => r.limitApp === LIMIT_APP_DEFAULT)];
      const apps = new Set<string>();
      const compiled: CompiledRule[] = [];
      for (const rule of ordered) {
        const kind = rule.limitApp === LIMIT_APP_DEFAULT ? Kind.Default : rule.limitApp === LIMIT_APP_OTHER ? Kind.Other : Kind.Specific;
        if (kind === Kind.Specific) apps.add(rule.limitApp);
        const ref = rule.strategy === 1 ? this.resource(rule.refResource!) : undefined;
        // Relate rules read the watched resource's node; direct ones this resource's or a caller's.
        const read = ref ?? entry;
        read.counted = true;
        if (rule.grade === 0) {
          read.threads = true;
          if (ref === undefined && kind !== Kind.Default) entry.threadsByOrigin = true;
        }
        if (ref === undefined && kind !== Kind.Default) entry.byOrigin = true;
        compiled.push({ rule, kind, controller: this.controllerFor(rule), ref });
      }
      entry.counted = true;
      entry.apps = apps;
      entry.rules = compiled;
    }
    this.current = valid;
  }

  /** The rules in force, with Sentinel's defaults filled in. */
  rules(): readonly ValidFlowRule[] {
    return this.current;
  }

  /**
   * Follows a config-centre document holding a JSON array of rules (a Sentinel datasource's
   * `dataId`/path, e.g. `orders-flow-rules` in group `SENTINEL_GROUP`): each version replaces the
   * rules; a removed document clears them; a version that does not parse or validate is refused
   * (`onError`, by default a process warning) and the rules in force stay. Returns the stop function.
   */
  watch(source: ConfigSource, key: string, group?: string, onError?: (error: RpcError) => void): () => void {
    return source.watch(key, group, (content) => {
      try {
        this.set(content ?? '[]');
      } catch (err) {
        const error = err instanceof RpcError ? err : new RpcError(Code.InvalidArgument, String(err), { cause: err });
        if (onError !== undefined) onError(error);
        else process.emitWarning(`flow rules from ${source.name} ${key}: ${error.message} (the rules in force stay)`, {
          type: 'MeshletFlowWarning', code: 'MESHLET_FLOW_RULES_REFUSED',
        });
      }
    });
  }

  /**
   * Enters `resource` for one call from `origin` (the caller's application; '' for none), outside
   * an interceptor: `0` admitted, `> 0` admitted after waiting that many ms (the rate limiter's
   * queue: the caller must wait before going on; it is counted now, where the interceptors count
   * it when its turn comes), `-1` refused (`refusal(resource)` says by what). Pair every
   * admission with `exit(resource, origin)` when the call ends.
   */
  entry(resource: string, origin = ''): number {
    const entry = this.entries.get(resource);
    if (entry === undefined || !entry.counted) return PASS;
    const now = this.clock();
    const wait = this.check(entry, origin, now);
    if (wait !== REFUSE) this.record(entry, origin, now);
    return wait;
  }

  /** @internal A resource's entry, made on first use; interceptors keep it per method. */
  resource(name: string): ResourceEntry {
    let entry = this.entries.get(name);
    if (entry === undefined) this.entries.set(name, (entry = new ResourceEntry(name, this.maxOrigins)));
    return entry;
  }

  /** Ends a call admitted by `entry(resource, origin)` (its in-flight count, while a THREAD rule watches it). */
  exit(resource: string, origin = ''): void {
    const entry = this.entries.get(resource);
    if (entry !== undefined) this.leave(entry, origin, (entry.threads ? HELD_NODE : 0) | (entry.threadsByOrigin && origin !== '' ? HELD_ORIGIN : 0));
  }

  /** The rule that refused the latest call refused on `resource`. */
  refusal(resource: string): ValidFlowRule | undefined {
    return this.entries.get(resource)?.refusedBy;
  }

  /** A resource's counts now: passed in the last second, in the previous second, in flight. */
  stats(resource: string): { passQps: number; previousPassQps: number; threads: number } {
    const node = this.entries.get(resource)?.node;
    if (node === undefined) return { passQps: 0, previousPassQps: 0, threads: 0 };
    const now = this.clock();
    return { passQps: node.passQps(now), previousPassQps: node.previousPassQps(now), threads: node.threads };
  }

  /**
   * @internal What `entry`'s rules say about a call from `origin` at `now`: PASS, REFUSE (the
   * rule is left in `entry.refusedBy`) or the ms it must queue. Counts nothing (`record` does).
   */
  check(entry: ResourceEntry, origin: string, now: number): number {
    const originNode = entry.byOrigin && origin !== '' ? entry.originNode(origin) : undefined;
    let wait = PASS;
    const rules = entry.rules;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i]!;
      let node: StatNode | undefined;
      // FlowRuleChecker.selectNodeByRequesterAndStrategy.
      if (c.kind === Kind.Default) node = c.ref === undefined ? entry.node : c.ref.node;
      else if (c.kind === Kind.Specific) {
        if (origin === c.rule.limitApp) node = c.ref === undefined ? originNode : c.ref.node;
      } else if (origin !== '' && !entry.apps.has(origin)) node = c.ref === undefined ? originNode : c.ref.node;
      if (node === undefined) continue;
      const r = c.controller.canPass(node, now);
      if (r === REFUSE) {
        entry.refusedBy = c.rule;
        return REFUSE;
      }
      if (r > wait) wait = r;
    }
    return wait;
  }

  /**
   * @internal Counts a call that passes (at `now`: after its wait, for a queued one, as Sentinel
   * counts a call once its sleep is over). Returns what it holds in flight (`HELD_NODE`,
   * `HELD_ORIGIN`), to give back exactly that at the call's end whatever the rules are by then.
   */
  record(entry: ResourceEntry, origin: string, now: number): number {
    let held = 0;
    entry.node.addPass(now);
    if (entry.threads) {
      entry.node.threads++;
      held = HELD_NODE;
    }
    if (entry.byOrigin && origin !== '') {
      const originNode = entry.originNode(origin);
      originNode.addPass(now);
      if (entry.threadsByOrigin) {
        originNode.threads++;
        held |= HELD_ORIGIN;
      }
    }
    return held;
  }

  /** @internal The end of a call `record` counted, given what it held. */
  leave(entry: ResourceEntry, origin: string, held: number): void {
    if ((held & HELD_NODE) !== 0 && entry.node.threads > 0) entry.node.threads--;
    if ((held & HELD_ORIGIN) !== 0) {
      const node = entry.originNode(origin);
      if (node.threads > 0) node.threads--;
    }
  }

  private clear(entry: ResourceEntry): void {
    entry.rules = [];
    entry.counted = false;
    entry.threads = false;
    entry.byOrigin = false;
    entry.threadsByOrigin = false;
    entry.apps = EMPTY;
  }

  private controllerFor(rule: ValidFlowRule): FlowController {
    if (rule.grade === 1) {
      switch (rule.controlBehavior) {
        case 1: return new WarmUpController(rule.count, rule.warmUpPeriodSec, this.coldFactor);
        case 2: return new ThrottlingController(rule.count, rule.maxQueueingTimeMs);
        case 3: return new WarmUpRateLimiterController(rule.count, rule.warmUpPeriodSec, rule.maxQueueingTimeMs, this.coldFactor);
        default: break;
      }
    }
    return new DefaultController(rule.count, rule.grade === 0);
  }
}
