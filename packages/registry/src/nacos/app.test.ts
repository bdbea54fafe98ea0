// The nacos registry's Dubbo 3 application-level pieces without a server: the options, the
// instance Meshlet writes against the one Java Dubbo 3.3.6 + nacos-client 2.5.1 wrote into r-nacos
// (fixtures/nacos-java-app-instance.json), reading listed hosts, the config listener's answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '@meshlet/core';
import { appInstanceOf, appNacosInstance } from './app-naming.js';
import { contentMd5 } from './config.js';
import { parseChanged } from './config-watch.js';
import { nacosSettings } from './options.js';

const JAVA = JSON.parse(readFileSync(new URL('../../src/fixtures/nacos-java-app-instance.json', import.meta.url), 'utf8')).hosts[0];
const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);

test('register-mode (default all), migration (default APPLICATION_FIRST), emptyGrace (default 15 s), emptyProtection (default off)', () => {
  const d = nacosSettings('nacos://h');
  assert.equal(d.registerMode, 'all');
  assert.equal(d.migration, 'APPLICATION_FIRST');
  assert.equal(d.emptyGraceMs, 15_000);
  assert.equal(d.emptyProtection, false);
  const s = nacosSettings('nacos://h?register-mode=instance&migration=FORCE_APPLICATION&emptyGrace=0&emptyProtection=true');
  assert.equal(s.registerMode, 'instance');
  assert.equal(s.migration, 'FORCE_APPLICATION');
  assert.equal(s.emptyGraceMs, 0);
  assert.equal(s.emptyProtection, true);
  assert.equal(nacosSettings({ servers: ['h'], registerMode: 'interface', migration: 'FORCE_INTERFACE' }).registerMode, 'interface');
  for (const url of ['nacos://h?register-mode=both', 'nacos://h?migration=force_application', 'nacos://h?emptyGrace=-1', 'nacos://h?emptyGrace=x', 'nacos://h?emptyProtection=yes']) {
    assert.throws(() => nacosSettings(url), invalid, url);
  }
});

test("Meshlet's application instance has the Java instance's metadata keys and shapes, and reads back", () => {
  const ours = appNacosInstance({ application: 'm', host: '10.0.0.1', port: 20880, revision: 'abc', since: 1700000000000, interfaces: ['a.B'], endpoints: [{ port: 20880, protocol: 'dubbo' }] });
  assert.deepEqual(Object.keys(ours.metadata).sort(), Object.keys(JAVA.metadata).sort());
  const params = (m: Record<string, string>) => Object.keys(JSON.parse(m['dubbo.metadata-service.url-params'] as string)).sort();
  assert.deepEqual(params(ours.metadata), params(JAVA.metadata));
  assert.equal(ours.weight, JAVA.weight);
  const back = appInstanceOf('m', { ip: ours.ip, port: ours.port, weight: ours.weight, healthy: true, enabled: true, metadata: ours.metadata });
  assert.equal(back?.revision, 'abc');
  assert.deepEqual(back?.metadataService, { protocol: 'dubbo', port: 20880 });
});

test("a Java provider's listed host reads as its revision, endpoints and MetadataService; unusable hosts are skipped", () => {
  const i = appInstanceOf('dubbo3-app-provider', JAVA);
  assert.ok(i);
  assert.equal(i.host, '127.0.0.1');
  assert.equal(i.port, JAVA.port);
  assert.equal(i.revision, JAVA.metadata['dubbo.metadata.revision']);
  assert.deepEqual(i.endpoints, { dubbo: JAVA.port });
  assert.deepEqual(i.metadataService, { protocol: 'dubbo', port: JAVA.port });
  // Java's consumer selects healthy instances only; no revision = not a Dubbo 3 instance.
  for (const bad of [{ ...JAVA, healthy: false }, { ...JAVA, enabled: false }, { ...JAVA, weight: 0 }, { ...JAVA, metadata: {} }, { ...JAVA, port: 0 }, { ...JAVA, ip: '' }]) {
    assert.equal(appInstanceOf('x', bad), undefined, JSON.stringify(bad).slice(0, 80));
  }
});

test('property: no listed host makes the application reader throw', () => {
  fc.assert(fc.property(fc.anything(), (host) => {
    appInstanceOf('app', host as never);
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.json())), fc.integer(), (metadata, port) => {
    appInstanceOf('app', { ip: '1.2.3.4', port, metadata });
  }), { numRuns: 2000 });
});

test("config listener answers: URL-encoded dataId^2group[^2tenant]^1 items; junk is no change", () => {
  assert.deepEqual(parseChanged('a.B%02mapping%01\n'), ['a.B\u0002mapping']);
  assert.deepEqual(parseChanged('a.B%02mapping%02ns%01c%02g%01'), ['a.B\u0002mapping', 'c\u0002g']);
  assert.deepEqual(parseChanged(''), []);
  assert.deepEqual(parseChanged('%zz'), []);
  fc.assert(fc.property(fc.string(), (s) => Array.isArray(parseChanged(s))), { numRuns: 2000 });
});

test("content md5 is Nacos': hex md5 of the UTF-8 text", () => {
  assert.equal(contentMd5('x,y'), 'f10bc3c94b77e1d6b9f98106daf335c1');
});
