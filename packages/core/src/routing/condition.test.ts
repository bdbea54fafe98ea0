// The condition grammar and its matching, case by case against what Dubbo 3.3's ConditionStateRouter does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '../errors.js';
import { matchThen, matchWhen, NOT_FOUND, parseCondition, type CallSample } from './condition.js';
import { RoutingRuleError } from './errors.js';
import { matchGlob } from './glob.js';
import { matchAddress } from './address-match.js';

const consumer = { application: 'web', host: '10.0.0.9', interface: 'demo.Echo', side: 'consumer' };
const call = (method: string, args: unknown[] = [], attachments: Record<string, string> = {}): CallSample => ({ consumer, method, args, attachments });
const provider = (host: string, port: number, params: Record<string, string> = {}) => ({ ...params, host, port: String(port), protocol: 'dubbo', address: `${host}:${port}` });

test('when => then, = and != with comma lists and globs, as Dubbo parses them', () => {
  const c = parseCondition('method = find*,list* & arguments[0] = x => host = 10.20.* & port != 20880');
  assert.deepEqual(c.when.map((m) => [m.key, m.kind, m.matches, m.mismatches]), [
    ['method', 'param', ['find*', 'list*'], []],
    ['arguments[0]', 'argument', ['x'], []],
  ]);
  assert.deepEqual(c.then!.map((m) => [m.key, m.matches, m.mismatches]), [['host', ['10.20.*'], []], ['port', [], ['20880']]]);
  assert.equal(matchWhen(c, call('findAll', ['x'])), true);
  assert.equal(matchWhen(c, call('listAll', ['x', 2])), true);
  assert.equal(matchWhen(c, call('findAll', ['y'])), false);
  assert.equal(matchWhen(c, call('get', ['x'])), false);
  assert.equal(matchWhen(c, call('findAll', [])), false, 'a missing argument reads as the not-found value');
  assert.equal(matchThen(c, provider('10.20.1.1', 20881), consumer), true);
  assert.equal(matchThen(c, provider('10.20.1.1', 20880), consumer), false);
  assert.equal(matchThen(c, provider('10.30.1.1', 20881), consumer), false);
});

test('empty sides: no when matches every call; no then (or false) blocks; true when', () => {
  assert.deepEqual(parseCondition('=> host = 1.1.1.1').when, []);
  assert.deepEqual(parseCondition('host = 1.1.1.1').when, [], 'no => : the whole text is the then side');
  assert.deepEqual(parseCondition('true => host = 1.1.1.1').when, []);
  assert.equal(parseCondition('host = 10.0.0.9 =>').then, null);
  assert.equal(parseCondition('host = 10.0.0.9 => false').then, null);
  assert.equal(matchWhen(parseCondition('host = 10.0.0.9 =>'), call('x')), true, 'when reads the consumer host');
  assert.equal(matchWhen(parseCondition('application != web =>'), call('x')), false);
});

test('mismatches win over matches; a key repeated after & adds to the same matcher; consumer./provider. prefixes vanish', () => {
  const c = parseCondition('=> host = 10.* & host != 10.0.0.1 & provider.port = 1~100');
  assert.deepEqual(c.then!.map((m) => [m.key, m.matches, m.mismatches]), [['host', ['10.*'], ['10.0.0.1']], ['port', ['1~100'], []]]);
  assert.equal(matchThen(c, provider('10.0.0.2', 50), consumer), true);
  assert.equal(matchThen(c, provider('10.0.0.1', 50), consumer), false);
  assert.equal(matchThen(c, provider('10.0.0.2', 101), consumer), false);
  // Dubbo's `,` adds to the last value list, even the previous key's.
  const q = parseCondition('a = 1 & b != 2 , 3 =>');
  assert.deepEqual(q.when.map((m) => [m.key, m.matches, m.mismatches]), [['a', ['1'], []], ['b', [], ['2', '3']]]);
});

test('$name on the then side is the consumer parameter; on the when side it is literal', () => {
  const c = parseCondition('=> host = $host');
  assert.equal(matchThen(c, provider('10.0.0.9', 1), consumer), true);
  assert.equal(matchThen(c, provider('10.0.0.8', 1), consumer), false);
  assert.equal(matchThen(parseCondition('=> application = $nope'), provider('h', 1, { application: 'x' }), consumer), false);
  assert.equal(matchWhen(parseCondition('host = $host =>'), call('m')), false);
});

test('arguments and attachments: indexes, missing values, the not-found value and prototype keys', () => {
  assert.equal(matchWhen(parseCondition('arguments[1] = 7 =>'), call('m', ['a', 7])), true);
  assert.equal(matchWhen(parseCondition('arguments[1] = null =>'), call('m', ['a', null])), true);
  assert.equal(matchWhen(parseCondition(`arguments[3] = ${NOT_FOUND} =>`), call('m', [])), true);
  assert.equal(matchWhen(parseCondition('arguments[3] != x =>'), call('m', [])), true, 'Dubbo: not-found is a value, != x holds');
  assert.equal(matchWhen(parseCondition('argumentsX = 1 =>'), call('m', [1])), false);
  assert.equal(matchWhen(parseCondition('attachments[env] = gray =>'), call('m', [], { env: 'gray' })), true);
  assert.equal(matchWhen(parseCondition('attachments[env] = gray =>'), call('m', [])), false, 'an absent attachment matches nothing');
  assert.equal(matchWhen(parseCondition('attachments[constructor] != x =>'), call('m', [])), false);
  assert.equal(matchWhen(parseCondition('constructor != x =>'), call('m')), false, 'only own consumer parameters');
  assert.equal(matchThen(parseCondition('=> __proto__ != x'), provider('h', 1), consumer), false);
  assert.equal(matchWhen(parseCondition('arguments[0] = {"a":1} =>'), call('m', [{ a: 1 }])), true, 'an object argument reads as its JSON');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(matchWhen(parseCondition('arguments[0] = x =>'), call('m', [cyclic, Object.create(null), 2n])), false);
});

test('ranges: low~high, ~high, low~ and what Dubbo does with bad ones', () => {
  const port = (pattern: string, value: number, side: 'when' | 'then') => side === 'then'
    ? matchThen(parseCondition(`=> port = ${pattern}`), provider('h', value), consumer)
    : matchWhen(parseCondition(`arguments[0] = ${pattern} =>`), call('m', [value]));
  assert.equal(port('10~20', 15, 'then'), true);
  assert.equal(port('10~20', 21, 'then'), false);
  assert.equal(port('~20', 3, 'then'), true);
  assert.equal(port('10~', 3, 'then'), true, '`10~` has one part after Java\'s split: the then side default (true)');
  assert.equal(port('10~', 3, 'when'), false, '... and the when side default (false)');
  assert.equal(port('x~y', 0, 'when'), true, 'non-numbers read as 0');
  assert.equal(port('1~99999999999', 5, 'then'), true, 'overflow: the then default');
  assert.equal(port('1~99999999999', 5, 'when'), false);
});

test('illegal rules throw RoutingRuleError (INVALID_ARGUMENT) with Dubbo\'s message', () => {
  for (const bad of ['= x => host = 1', '=> != 1', '=> , 1', 'a && b = 1 =>', '=> a =! 1', '', '   ']) {
    assert.throws(() => parseCondition(bad), (e: unknown) => e instanceof RoutingRuleError && RpcError.is(e, Code.InvalidArgument), bad);
  }
  assert.throws(() => parseCondition('= x'), /illegal route rule "= x": the error char '=' at index 0 before "x"/);
});

test('globs as UrlUtils.isMatchGlobPattern: only the last * is a wildcard', () => {
  assert.equal(matchGlob('*', ''), true);
  assert.equal(matchGlob('', ''), true);
  assert.equal(matchGlob('a*', ''), false);
  assert.equal(matchGlob('a*c', 'abc'), true);
  assert.equal(matchGlob('a*b*c', 'a*bxc'), true);
  assert.equal(matchGlob('a*b*c', 'axbxc'), false);
  assert.equal(matchGlob('*c', 'abc'), true);
  assert.equal(matchGlob(undefined, 'x'), false);
});

test('address expressions as NetUtils.matchIpExpression (+ 0.0.0.0:port)', () => {
  assert.equal(matchAddress('10.0.0.1:20880', '10.0.0.1', 20880), true);
  assert.equal(matchAddress('10.0.0.1:20880', '10.0.0.1', 20881), false);
  assert.equal(matchAddress('10.0.0.1', '10.0.0.1', 1), true);
  assert.equal(matchAddress('10.0.*.1-5', '10.0.7.3', 1), true);
  assert.equal(matchAddress('10.0.*.1-5', '10.0.7.6', 1), false);
  assert.equal(matchAddress('10.0.0.0/8', '10.200.3.4', 1), true);
  assert.equal(matchAddress('10.0.0.0/8', '11.0.0.1', 1), false);
  assert.equal(matchAddress('0.0.0.0:20880', '1.2.3.4', 20880), true);
  assert.equal(matchAddress('*', '::1', 1), true);
  assert.equal(matchAddress('[::1]:7', '0:0:0:0:0:0:0:1', 7), true);
  assert.equal(matchAddress('fd00::/8', 'fd12::1', 7), true);
  assert.equal(matchAddress('10.0.0', '10.0.0.1', 1), false, 'malformed: no match, no throw');
  assert.equal(matchAddress('10.0.x-y.1', '10.0.0.1', 1), false);
});

test('property: any text either parses or throws RoutingRuleError; matching a parsed rule never throws', () => {
  const token = fc.constantFrom('method', 'host', 'port', 'arguments[0]', 'arguments[99999999999]', 'attachments[k]', 'attachments[a.b]',
    '=', '!=', ',', '&', '=>', ' ', '*', 'x*', '$host', '$', '1~5', '~', 'consumer.', 'provider.', 'true', 'false', '__proto__', '\n', '\u0000', 'é');
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.array(token, { maxLength: 16 }).map((a) => a.join('')));
  const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.bigInt(), fc.object());
  fc.assert(fc.property(text, fc.array(value, { maxLength: 3 }), fc.dictionary(fc.string(), fc.string()), (t, args, attachments) => {
    let c;
    try {
      c = parseCondition(t);
    } catch (err) {
      assert.ok(err instanceof RoutingRuleError, `${JSON.stringify(t)} threw ${String(err)}`);
      return;
    }
    assert.equal(typeof matchWhen(c, { consumer, method: 'find', args, attachments }), 'boolean');
    assert.equal(typeof matchThen(c, provider('10.0.0.1', 1, attachments), consumer), 'boolean');
  }), { numRuns: 2000 });
});
