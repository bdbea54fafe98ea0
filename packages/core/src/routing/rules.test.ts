// Rule documents (YAML) and RoutingRules: condition and tag rules from a config source and code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryConfigSource } from '../config-source.js';
import { endpoint } from '../endpoint.js';
import { createInvocation } from '../invocation.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { tagRouter } from '../runtime/router.js';
import { RoutingRuleError } from './errors.js';
import { parseConditionRule, parseTagRule } from './rule-doc.js';
import { RoutingRules, serviceRuleKey } from './rules.js';

const Echo = defineService({ interface: 'demo.Echo', version: '1.0.0', methods: { find: { params: [t.string], returns: t.string }, get: { params: [], returns: t.string } } });
const KEY = `${serviceRuleKey(Echo)}.condition-router`;
const c = (host: string, port: number, params: Record<string, string> = {}) => ({ endpoint: endpoint('dubbo', host, port, { application: 'echo-app', ...params }), pending: 0 });
const all = [c('10.20.0.1', 20880), c('10.20.0.2', 20881), c('10.30.0.1', 20881, { env: 'gray' }), c('10.30.0.2', 20880, { 'dubbo.tag': 'blue' })];
const inv = (method: 'find' | 'get', args: unknown[] = [], attachments: Record<string, string> = {}) => createInvocation(Echo, Echo.methods.get(method)!, args, { attachments });
const hosts = (xs: readonly { endpoint: { host: string; port: number } }[]) => xs.map((x) => `${x.endpoint.host}:${x.endpoint.port}`);
const base = tagRouter(() => ({}));

function setup(app = 'web') {
  const source = new MemoryConfigSource();
  const errors: RoutingRuleError[] = [];
  const rules = new RoutingRules({ source, application: app, host: () => '10.0.0.9', onError: (e) => errors.push(e) });
  rules.watchService(Echo);
  return { source, rules, errors, route: rules.router(base) };
}

test('rule documents: Dubbo 3 fields and defaults, YAML 1.1 booleans', () => {
  const r = parseConditionRule('configVersion: v3.0\nscope: service\nkey: demo.Echo\nforce: yes\nruntime: false\npriority: 2\nconditions:\n  - method = find => port = 20880\n  - 42\n');
  assert.equal(r.force, true);
  assert.equal(r.runtime, false);
  assert.equal(r.enabled, true);
  assert.equal(r.priority, 2);
  assert.equal(r.scope, 'service');
  assert.deepEqual(r.conditions.map((x) => x.text), ['method = find => port = 20880', '42']);
  const tag = parseTagRule('configVersion: v3.0\nforce: false\ntags:\n  - name: gray\n    match:\n      - key: env\n        value: { exact: gray }\n');
  assert.equal(tag.valid, true);
  assert.equal(parseTagRule('configVersion: v3.0\ntags: []\n').valid, false, 'no tags: not valid, as Dubbo');
});

test('rule documents that do not parse are RoutingRuleErrors naming the key', () => {
  const bad = ['', 'just text', '- a\n- b', 'conditions: []', 'conditions: x', 'conditions:\n  - "= x"', 'configVersion: 3.0\nconditions: [a]',
    'configVersion: v3.1\nconditions: [a]', 'configVersion: v4.0\nconditions: [a]', 'priority: 1.5\nconditions: [a]', 'scope: [1]\nconditions: [a]',
    'valid: false\nconditions: [a]', 'a: [', 'a: &x 1\nb: *y'];
  for (const text of bad) {
    assert.throws(() => parseConditionRule(text, 'k.condition-router'), (e: unknown) => e instanceof RoutingRuleError && e.code === 'INVALID_ARGUMENT' && e.key === 'k.condition-router', text);
  }
  for (const text of ['tags: [1]', 'tags:\n  - addresses: [a]', 'configVersion: v3.0\ntags:\n  - name: x\n    match:\n      - key: a\n        value: { regex: "(" }']) {
    assert.throws(() => parseTagRule(text), RoutingRuleError, text);
  }
});

test('property: any text parses or throws RoutingRuleError, never anything else; prototypes stay clean', () => {
  const yamlish = fc.array(fc.constantFrom('conditions:', 'tags:', '\n', '  - ', 'name: ', 'addresses: [', ']', '"', "'", '=>', 'host = ', '*', '{', '}',
    'force: ', 'true', 'priority: ', '99999999999', 'configVersion: v3.0', '__proto__: ', 'constructor:', '&a ', '*a', '!!binary ', '? ', ': ', '- name: gray'), { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), yamlish), (text) => {
    for (const parse of [parseConditionRule, parseTagRule]) {
      try {
        parse(text);
      } catch (err) {
        assert.ok(err instanceof RoutingRuleError, `${JSON.stringify(text)} threw ${String(err)}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }), { numRuns: 3000 });
});

test('condition rule from the source: applies, falls back when empty (force=false), stays empty when forced, goes on removal', () => {
  const { source, route, rules } = setup();
  assert.deepEqual(hosts(route(all, inv('find', ['x']))), hosts(all.filter((x) => !x.endpoint.params['dubbo.tag'])), 'no rule: the base router only');
  source.set(KEY, undefined, 'configVersion: v3.0\nforce: false\nconditions:\n  - method = find* & arguments[0] = x => host = 10.20.* & port != 20880\n');
  const routed = route(all, inv('find', ['x']));
  assert.deepEqual(hosts(routed), ['10.20.0.2:20881']);
  assert.equal(route(all, inv('find', ['x'])), routed, 'the same array each call: the directory\'s caches hold');
  assert.deepEqual(hosts(route(all, inv('find', ['y']))), ['10.20.0.1:20880', '10.20.0.2:20881', '10.30.0.1:20881'], 'when does not match: unrouted');
  source.set(KEY, undefined, 'force: false\nconditions:\n  - => host = 192.168.*\n');
  assert.equal(route(all, inv('get')).length, 3, 'empty result, not forced: all (the base router\'s) stay');
  source.set(KEY, undefined, 'force: true\nconditions:\n  - => host = 192.168.*\n');
  assert.deepEqual(route(all, inv('get')), []);
  assert.equal(rules.rule(KEY)?.kind, 'condition');
  source.set(KEY, undefined, undefined);
  assert.equal(route(all, inv('get')).length, 3);
  assert.equal(rules.rule(KEY), undefined);
});

test('conditions chain in order; a block list empties; disabled rules route nothing; $host is the consumer', () => {
  const { source, route } = setup();
  source.set(KEY, undefined, 'conditions:\n  - => host = 10.20.*,10.30.*\n  - method = get => port = 20881\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881', '10.30.0.1:20881']);
  assert.deepEqual(hosts(route(all, inv('find', ['a']))), ['10.20.0.1:20880', '10.20.0.2:20881', '10.30.0.1:20881']);
  source.set(KEY, undefined, 'conditions:\n  - host = 10.0.0.9 => false\n');
  assert.deepEqual(route(all, inv('get')), [], 'this consumer is blocked');
  source.set(KEY, undefined, 'enabled: false\nconditions:\n  - host = 10.0.0.9 => false\n');
  assert.equal(route(all, inv('get')).length, 3);
  const self = [c('10.0.0.9', 1), c('10.0.0.8', 1)];
  source.set(KEY, undefined, 'force: true\nconditions:\n  - => host = $host\n');
  assert.deepEqual(hosts(route(self, inv('get'))), ['10.0.0.9:1']);
});

test('application rule ({app}.condition-router) applies after the service rule', () => {
  const { source, route } = setup('web');
  source.set(KEY, undefined, 'conditions:\n  - => host = 10.20.*\n');
  source.set('web.condition-router', undefined, 'conditions:\n  - => port = 20881\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881']);
  source.set('other.condition-router', undefined, 'force: true\nconditions:\n  - => false\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881'], 'another application\'s rule is not ours');
});

test('the providers\' application rule ({provider app}.condition-router) applies after the service\'s, before ours; not when it is ours', () => {
  const { source, route } = setup('web');
  source.set('echo-app.condition-router', undefined, 'conditions:\n  - => port = 20881\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881', '10.30.0.1:20881']);
  source.set(KEY, undefined, 'conditions:\n  - => host = 10.20.*\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881']);
  source.set('web.condition-router', undefined, 'force: true\nconditions:\n  - => port = 20880\n');
  assert.deepEqual(route(all, inv('get')), [], 'ours runs last, on what the others left');
  const same = setup('echo-app');
  same.source.set('echo-app.condition-router', undefined, 'force: true\nconditions:\n  - => port = 20881\n');
  assert.deepEqual(hosts(same.route(all, inv('get'))), ['10.20.0.2:20881', '10.30.0.1:20881'], 'applied once, as our own');
});

test('a bad document keeps the rule in force and is reported; code rules win over the source until cleared', () => {
  const { source, rules, route, errors } = setup();
  source.set(KEY, undefined, 'force: true\nconditions:\n  - => host = 10.20.*\n');
  assert.equal(route(all, inv('get')).length, 2);
  source.set(KEY, undefined, 'conditions:\n  - "= broken"\n');
  assert.equal(route(all, inv('get')).length, 2, 'the previous rule stays');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.key, KEY);
  assert.equal(rules.lastError(KEY), errors[0]);
  rules.setRule(KEY, 'force: true\nconditions:\n  - => host = 10.30.*\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.30.0.1:20881', '10.30.0.2:20880'].filter((h) => h !== '10.30.0.2:20880'));
  assert.throws(() => rules.setRule(KEY, 'conditions: nope'), RoutingRuleError);
  assert.equal(route(all, inv('get')).length, 1, 'a bad rule from code changes nothing');
  source.set(KEY, undefined, 'force: true\nconditions:\n  - => port = 20880\n');
  assert.equal(rules.lastError(KEY), undefined);
  assert.equal(route(all, inv('get')).length, 1, 'code still wins');
  rules.setRule(KEY, undefined);
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.1:20880'], 'cleared: the source\'s rule');
  assert.throws(() => rules.setRule('no-suffix', 'x'), RoutingRuleError);
});

test('a tag rule from code, then cleared: the source\'s document for that application applies', () => {
  const { source, rules, route } = setup();
  rules.setRule('echo-app.tag-router', 'force: true\ntags:\n  - name: gray\n    addresses: ["10.20.0.1"]\n');
  source.set('echo-app.tag-router', undefined, 'force: true\ntags:\n  - name: gray\n    addresses: ["10.20.0.2"]\n');
  const gray = inv('get', [], { 'dubbo.tag': 'gray' });
  assert.deepEqual(hosts(route(all, gray)), ['10.20.0.1:20880']);
  rules.setRule('echo-app.tag-router', undefined);
  assert.deepEqual(hosts(route(all, gray)), ['10.20.0.2:20881']);
});

test('a key the source refuses to watch (a provider application with a slash, for ZooKeeper) is reported, and calls go on', () => {
  const source = new MemoryConfigSource();
  const refusing = { name: 'refusing', watch: (key: string, group: string | undefined, listener: (c: string | undefined) => void) => {
    if (key.includes('/')) throw new Error('invalid key');
    return source.watch(key, group, listener);
  }, close: async () => {} };
  const errors: RoutingRuleError[] = [];
  const rules = new RoutingRules({ source: refusing, application: 'web', onError: (e) => errors.push(e) });
  const odd = [c('10.20.0.1', 1, { application: 'team/app' }), c('10.20.0.2', 2, { application: 'team/app' })];
  assert.equal(rules.router(base)(odd, inv('get')).length, 2);
  assert.deepEqual(errors.map((e) => e.key).sort(), ['team/app.condition-router', 'team/app.tag-router']);
});

test('nothing is watched until a reference needs it: then the service\'s key and this application\'s, once', () => {
  const source = new MemoryConfigSource();
  const watched: string[] = [];
  const counting = { name: 'counting', watch: (key: string, group: string | undefined, listener: (c: string | undefined) => void) => {
    watched.push(`${group}/${key}`);
    return source.watch(key, group, listener);
  }, close: async () => {} };
  const rules = new RoutingRules({ source: counting, application: 'web' });
  assert.deepEqual(watched, [], 'a runtime that only provides never opens its source');
  rules.watchService(Echo);
  rules.watchService(Echo);
  assert.deepEqual(watched, ['dubbo/web.condition-router', `dubbo/${KEY}`]);
  rules.router(base)(all, inv('get'));
  assert.deepEqual(watched.slice(2), ['dubbo/echo-app.tag-router', 'dubbo/echo-app.condition-router'], 'the providers\' application\'s keys once they are seen');
  rules.router(base)(all, inv('get'));
  assert.equal(watched.length, 4);
});

test('rules from code alone (no source)', () => {
  const rules = new RoutingRules({ application: 'web' });
  const route = rules.router(base);
  assert.equal(route(all, inv('get')).length, 3);
  rules.setRule(KEY, 'force: true\nconditions:\n  - => host = 10.20.0.1\n');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.1:20880']);
  rules.setRule('echo-app.tag-router', 'force: true\ntags:\n  - name: gray\n    addresses: ["10.20.0.1:20880"]\n');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'gray' }))), ['10.20.0.1:20880']);
  assert.deepEqual(route(all, inv('get')), [], 'untagged calls avoid the tagged address, then the condition leaves none');
});

test('tag rule of the providers\' application: addresses, v3.0 match, levels, force, static tags', () => {
  const { source, route } = setup();
  const TAG = 'echo-app.tag-router';
  source.set(TAG, undefined, 'configVersion: v3.0\nforce: false\ntags:\n  - name: gray\n    match:\n      - key: env\n        value:\n          exact: gray\n  - name: team1\n    addresses: ["10.20.0.1:20880", "10.99.*"]\n');
  const gray = inv('get', [], { 'dubbo.tag': 'gray' });
  assert.deepEqual(hosts(route(all, gray)), ['10.30.0.1:20881'], 'tagged by the rule\'s match on a provider parameter');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'team1' }))), ['10.20.0.1:20880']);
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'team1|x|y' }))), ['10.20.0.1:20880'], 'levels fall back');
  assert.deepEqual(hosts(route(all, inv('get'))), ['10.20.0.2:20881'], 'untagged calls: providers no tag takes, without a static tag');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'blue' }))), ['10.30.0.2:20880'], 'a tag the rule lacks: the providers\' own dubbo.tag');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'red' }))), ['10.20.0.2:20881'], 'unknown tag: falls back to untagged providers');
  assert.deepEqual(route(all, inv('get', [], { 'dubbo.tag': 'red', 'dubbo.force.tag': 'true' })), [], 'dubbo.force.tag: no fallback');
  // A rule tag whose addresses match nothing: empty when the rule is forced, else the fallback.
  source.set(TAG, undefined, 'force: true\ntags:\n  - name: none\n    addresses: ["1.1.1.1"]\n');
  assert.deepEqual(route(all, inv('get', [], { 'dubbo.tag': 'none' })), []);
  source.set(TAG, undefined, 'force: false\ntags:\n  - name: none\n    addresses: ["1.1.1.1"]\n');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'none' }))), ['10.20.0.1:20880', '10.20.0.2:20881', '10.30.0.1:20881']);
  source.set(TAG, undefined, 'enabled: false\ntags:\n  - name: none\n    addresses: ["10.20.0.1"]\n');
  assert.deepEqual(hosts(route(all, inv('get', [], { 'dubbo.tag': 'blue' }))), ['10.30.0.2:20880'], 'disabled: the base (static) router');
});

test('property: routing with random rules and calls returns a subset of the candidates and never throws', () => {
  const cond = fc.array(fc.constantFrom('method = find', 'method != get', 'host = 10.20.*', 'port = 20880', 'port != 20881', 'arguments[0] = x', 'env = gray',
    'attachments[k] = v', '$host', ' => ', ' & ', ',', 'host = $host', '=> false'), { maxLength: 6 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(cond, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom('find', 'get') as fc.Arbitrary<'find' | 'get'>, fc.string(), (conds, force, method, tag) => {
    const rules = new RoutingRules({ application: 'web', host: () => '10.20.0.1' });
    const route = rules.router(base);
    try {
      rules.setRule(KEY, `force: ${force}\nconditions:\n${conds.map((x) => `  - ${JSON.stringify(x)}`).join('\n')}\n`);
    } catch (err) {
      assert.ok(err instanceof RoutingRuleError);
      return;
    }
    const out = route(all, inv(method, ['x'], { 'dubbo.tag': tag, k: 'v' }));
    for (const m of out) assert.ok(all.includes(m));
  }), { numRuns: 1000 });
});
