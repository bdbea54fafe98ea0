import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint } from '../endpoint.js';
import { createInvocation } from '../invocation.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { tagRouter, type TagRules } from './router.js';

const Svc = defineService({ interface: 'S', methods: { m: { params: [], returns: t.string } } });
const c = (port: number, tag?: string) => ({ endpoint: endpoint('dubbo', 'h', port, tag ? { 'dubbo.tag': tag } : {}), pending: 0 });
const all = [c(1), c(2), c(3, 'canary')];
const call = (tag?: string) => createInvocation(Svc, Svc.methods.get('m')!, [], tag ? { attachments: { 'dubbo.tag': tag } } : {});
const ports = (xs: readonly { endpoint: { port: number } }[]) => xs.map((x) => x.endpoint.port);

test('tagged calls go to their tag, untagged calls stay off tagged endpoints', () => {
  const route = tagRouter(() => ({}));
  assert.deepEqual(ports(route(all, call('canary'))), [3]);
  assert.deepEqual(ports(route(all, call())), [1, 2]);
  assert.deepEqual(ports(route(all, call('blue'))), [1, 2], 'unknown tag falls back to untagged');
  assert.deepEqual(ports(route([c(1), c(2)], call('canary'))), [1, 2], 'nothing tagged: no routing');
});

test('force: a tagged call without its endpoints gets none; shares send a slice of untagged traffic', () => {
  let rules: TagRules = { force: true };
  const draws = [0.01, 0.5];
  let i = 0;
  const route = tagRouter(() => rules, () => draws[i++ % 2]!);
  assert.deepEqual(ports(route(all, call('blue'))), []);
  rules = { shares: { canary: 0.05 } };
  assert.deepEqual(ports(route(all, call())), [3], 'draw 0.01 < 5 %: canary');
  assert.deepEqual(ports(route(all, call())), [1, 2], 'draw 0.5: stable');
});
