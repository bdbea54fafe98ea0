import { configGroup, type ConfigSource } from '../config-source.js';
import type { Candidate } from '../load-balancer.js';
import type { Invocation } from '../invocation.js';
import type { ServiceDefinition } from '../service.js';
import type { ServiceKey } from '../service-key.js';
import type { Router } from '../runtime/router.js';
import type { CallSample } from './condition.js';
import { ConditionRouting } from './condition-router.js';
import { RoutingRuleError } from './errors.js';
import { parseConditionRule, parseTagRule, type ConditionRule, type TagRule } from './rule-doc.js';
import { providerApplication } from './samples.js';
import { TagRuleRouting } from './tag-rule-router.js';
import { routingRuleLoad } from '../telemetry/metrics.js';

/** Config key suffixes of Dubbo's rules. */
export const CONDITION_RULE_SUFFIX = '.condition-router';
export const TAG_RULE_SUFFIX = '.tag-router';

/** Dubbo's rule key of a service: `{interface}:{version}:{group}`, empty parts kept (`demo.Echo::`). */
export function serviceRuleKey(service: ServiceKey): string {
  return `${service.interface}:${service.version ?? ''}:${service.group ?? ''}`;
}

export interface RoutingRulesOptions {
  /** Where rules live (ZooKeeper's `/dubbo/config/dubbo/...`, Nacos' config); none: rules from code only. */
  readonly source?: ConfigSource | undefined;
  /** The config group; Dubbo's `dubbo` when absent. */
  readonly group?: string | undefined;
  /** This consumer's application: its `{application}.condition-router` applies to every call. */
  readonly application?: string | undefined;
  /** This consumer's address, for `host = ...` on a `when` side; asked once. */
  readonly host?: (() => string) | undefined;
  /** Told of each rule that does not parse (the previous one stays); a process warning when absent. */
  readonly onError?: ((err: RoutingRuleError) => void) | undefined;
}

type Rule = ConditionRule | TagRule;

interface Slot {
  readonly key: string;
  readonly kind: 'condition' | 'tag';
  fromSource: Rule | undefined;
  fromCode: Rule | undefined;
  /** Set from code (`setRule`): wins over the source until cleared. */
  coded: boolean;
  effective: Rule | undefined;
  error: RoutingRuleError | undefined;
  stop: (() => void) | undefined;
}

/**
 * Dubbo's condition and tag rules for one runtime: read from a config source (each key watched
 * from when it is first needed) and from code, compiled once per change, applied per call by
 * `router(base)`. In Dubbo 3's order: the tag rule of the providers' application (else `base`,
 * the runtime's own router), then the condition rules of the service, of the providers'
 * application, and of this application.
 */
export class RoutingRules {
  readonly #options: RoutingRulesOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #tagSlots = new Map<string, Slot>();
  /** Condition slots by application name (`{app}.condition-router`), for the providers' application's rule. */
  readonly #providerAppSlots = new Map<string, Slot>();
  readonly #serviceKeys = new WeakMap<ServiceDefinition, string>();
  readonly #serviceSlotOf = new WeakMap<ServiceDefinition, Slot>();
  readonly #consumers = new WeakMap<ServiceDefinition, Readonly<Record<string, string>>>();
  readonly #conditions = new ConditionRouting();
  readonly #tags = new TagRuleRouting();
  /** This application's `{application}.condition-router` slot, once there is one. */
  #appSlot: Slot | undefined;
  #host: string | undefined;
  #closed = false;

  constructor(options: RoutingRulesOptions = {}) {
    this.#options = options;
  }

  /**
   * Sets a rule from code (YAML text, Dubbo's format), by its config key:
   * `{interface}:{version}:{group}.condition-router`, `{application}.condition-router` or
   * `{provider application}.tag-router`. It wins over the config source's document of that key
   * until cleared with `undefined`. Throws RoutingRuleError when it does not parse; the rule in
   * force stays then.
   */
  setRule(key: string, text: string | undefined): void {
    // Watched too: the source's document is what applies once the code's rule is cleared.
    const slot = this.#slot(key, true);
    if (text === undefined) {
      slot.fromCode = undefined;
      slot.coded = false;
      routingRuleLoad(key, 'code', 'removed');
    } else {
      try {
        slot.fromCode = parse(slot.kind, text, key);
      } catch (err) {
        routingRuleLoad(key, 'code', 'refused', (err as RoutingRuleError).code);
        throw err;
      }
      slot.coded = true;
      routingRuleLoad(key, 'code', 'adopted');
    }
    slot.effective = slot.coded ? slot.fromCode : slot.fromSource;
  }

  /** The rule in force for `key`, compiled; undefined when there is none. */
  rule(key: string): ConditionRule | TagRule | undefined {
    return this.#slots.get(key)?.effective;
  }

  /** The last error of the source's document for `key` (cleared by a document that parses). */
  lastError(key: string): RoutingRuleError | undefined {
    return this.#slots.get(key)?.error;
  }

  /**
   * Starts reading the service's condition rule (and, the first time, this application's) now, so
   * they are known before the first call. A runtime that never refers never opens the source.
   */
  watchService(service: ServiceDefinition): void {
    if (this.#options.source !== undefined && this.#options.application && this.#appSlot?.stop === undefined) {
      this.#slot(`${this.#options.application}${CONDITION_RULE_SUFFIX}`, true);
    }
    this.#serviceSlot(service);
  }

  /** A router applying the rules, with `base` where no tag rule applies. */
  router(base: Router, forceTag: () => boolean = () => false): Router {
    return <C extends Candidate>(candidates: readonly C[], inv: Invocation): readonly C[] => {
      if (candidates.length === 0 || (this.#slots.size === 0 && this.#options.source === undefined)) return base(candidates, inv);
      const app = providerApplication(candidates[0]!.endpoint);
      const tagRule = app === undefined ? undefined : this.#tagSlot(app)?.effective as TagRule | undefined;
      let out = tagRule !== undefined && tagRule.valid && tagRule.enabled
        ? this.#tags.route(tagRule, candidates, inv.attachments, forceTag())
        : base(candidates, inv);
      const service = this.#serviceSlot(inv.service)?.effective as ConditionRule | undefined;
      const provider = app === undefined ? undefined : this.#providerAppSlot(app)?.effective as ConditionRule | undefined;
      if (this.#appSlot === undefined && this.#options.application && this.#options.source !== undefined) this.#slot(`${this.#options.application}${CONDITION_RULE_SUFFIX}`, true);
      const application = this.#appSlot?.effective as ConditionRule | undefined;
      if (service === undefined && provider === undefined && application === undefined) return out;
      const call: CallSample = { consumer: this.#consumer(inv.service), method: inv.method.name, args: inv.args, attachments: inv.attachments };
      if (service !== undefined) out = this.#conditions.route(service, out, call);
      if (provider !== undefined) out = this.#conditions.route(provider, out, call);
      if (application !== undefined) out = this.#conditions.route(application, out, call);
      return out;
    };
  }

  /** Stops every watch; rules set from code stay. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#slots.values()) {
      slot.stop?.();
      slot.stop = undefined;
    }
  }

  #serviceSlot(service: ServiceDefinition): Slot | undefined {
    const known = this.#serviceSlotOf.get(service);
    if (known !== undefined) return known;
    let key = this.#serviceKeys.get(service);
    if (key === undefined) this.#serviceKeys.set(service, (key = `${serviceRuleKey(service)}${CONDITION_RULE_SUFFIX}`));
    // With a source every service gets a (watched) slot; without one only a rule from code makes one.
    const slot = this.#options.source === undefined ? this.#slots.get(key) : this.#slot(key, true);
    if (slot !== undefined && (slot.stop !== undefined || this.#options.source === undefined)) this.#serviceSlotOf.set(service, slot);
    return slot;
  }

  /**
   * The providers' application's condition rule (Dubbo 3.2+'s ProviderAppStateRouter), between the
   * service's and this application's; none when the providers are of this application (its own
   * rule applies then, as in Java).
   */
  #providerAppSlot(app: string): Slot | undefined {
    if (app === this.#options.application) return undefined;
    const slot = this.#providerAppSlots.get(app);
    if (slot !== undefined || this.#options.source === undefined) return slot;
    return this.#slot(`${app}${CONDITION_RULE_SUFFIX}`, true);
  }

  #tagSlot(app: string): Slot | undefined {
    // `#slot` files every tag slot here; without a source only a rule from code makes one.
    const slot = this.#tagSlots.get(app);
    if (slot !== undefined || this.#options.source === undefined) return slot;
    return this.#slot(`${app}${TAG_RULE_SUFFIX}`, true);
  }

  #slot(key: string, watch: boolean): Slot {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      const kind = key.endsWith(TAG_RULE_SUFFIX) ? 'tag' : key.endsWith(CONDITION_RULE_SUFFIX) ? 'condition' : undefined;
      if (kind === undefined) throw new RoutingRuleError(`a rule key ends with ${CONDITION_RULE_SUFFIX} or ${TAG_RULE_SUFFIX}`, key);
      slot = { key, kind, fromSource: undefined, fromCode: undefined, coded: false, effective: undefined, error: undefined, stop: undefined };
      this.#slots.set(key, slot);
      if (kind === 'tag') this.#tagSlots.set(key.slice(0, -TAG_RULE_SUFFIX.length), slot);
      else {
        const app = key.slice(0, -CONDITION_RULE_SUFFIX.length);
        if (app === this.#options.application) this.#appSlot = slot;
        // A service key has colons (`iface:version:group`); an application name may be any other text.
        else if (!app.includes(':')) this.#providerAppSlots.set(app, slot);
      }
    }
    if (watch && slot.stop === undefined && this.#options.source !== undefined && !this.#closed) {
      const s = slot;
      s.stop = () => {}; // set before watching: the first content may arrive synchronously
      try {
        s.stop = this.#options.source.watch(key, configGroup(this.#options.group), (content) => this.#fromSource(s, content));
      } catch (err) {
        // A key the source cannot hold (an application name from a provider's URL with a `/` in
        // it, for ZooKeeper): no rule for it, and calls go on.
        s.error = new RoutingRuleError(`the config source cannot watch it: ${(err as Error).message}`, key, err);
        this.#report(s.error);
      }
    }
    return slot;
  }

  #fromSource(slot: Slot, content: string | undefined): void {
    if (content === undefined) {
      // A document that was never there is no news; one that goes away is.
      if (slot.fromSource !== undefined) routingRuleLoad(slot.key, 'config', 'removed');
      slot.fromSource = undefined;
      slot.error = undefined;
    } else {
      try {
        slot.fromSource = parse(slot.kind, content, slot.key);
        slot.error = undefined;
        routingRuleLoad(slot.key, 'config', 'adopted');
      } catch (err) {
        const e = err instanceof RoutingRuleError ? err : new RoutingRuleError(String(err), slot.key, err);
        slot.error = e;
        routingRuleLoad(slot.key, 'config', 'refused', e.code);
        this.#report(e);
        return;
      }
    }
    if (!slot.coded) slot.effective = slot.fromSource;
  }

  #report(err: RoutingRuleError): void {
    if (this.#options.onError !== undefined) {
      try {
        this.#options.onError(err);
      } catch {
        // a reporting hook's failure must not undo the rule handling
      }
      return;
    }
    process.emitWarning(`${err.message}; the rule in force before stays`, { type: 'MeshletRoutingWarning', code: 'MESHLET_ROUTING_RULE_INVALID' });
  }

  #consumer(service: ServiceDefinition): Readonly<Record<string, string>> {
    let sample = this.#consumers.get(service);
    if (sample === undefined) {
      const s: Record<string, string> = Object.create(null);
      s.protocol = 'consumer';
      s.side = 'consumer';
      s.host = (this.#host ??= this.#options.host?.() ?? '');
      s.interface = service.interface;
      s.path = service.interface;
      if (service.version) s.version = service.version;
      if (service.group) s.group = service.group;
      if (this.#options.application) s.application = this.#options.application;
      s.methods = [...new Set([...service.methods.values()].map((m) => m.name))].join(',');
      sample = Object.freeze(s);
      this.#consumers.set(service, sample);
    }
    return sample;
  }
}

function parse(kind: 'condition' | 'tag', text: string, key: string): Rule {
  return kind === 'tag' ? parseTagRule(text, key) : parseConditionRule(text, key);
}
