// `meshlet invoke` and `meshlet describe` (child processes, no code) against real Java Dubbo 2.7.23
// and 3.3.6 providers (the fleet's java/dubbo peer), directly and through ZooKeeper, and SOFARPC and Java motan ones.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { root } from './lib/cache.js';
import { dubboPeer } from './dubbo/peer.js';
import { sofaPeer } from './sofarpc/peer.js';
import { motanPeer } from './motan-java/peer.js';

const main = join(root, 'packages', 'cli', 'dist', 'main.js');
const meshlet = (...args) => new Promise((resolve) => {
  execFile(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 30_000 }, (error, out, err) => {
    resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
  });
});
const ECHO = 'com.meshlet.conformance.EchoService';

for (const [module, release] of [['dubbo27', '2.7.23'], ['dubbo3', '3.3.6']]) {
  describe(`meshlet invoke / describe → Apache Dubbo ${release} provider (${module})`, { timeout: 300_000 }, () => {
    let zk;
    let provider;
    let registry;
    let url;
    before(async () => {
      zk = await ZooKeeperServer.start({ tickTime: 200 });
      registry = `zookeeper://127.0.0.1:${zk.port}`;
      provider = await (await dubboPeer(module)).provider(['--registry', registry]);
      url = `dubbo://127.0.0.1:${provider.port}/${ECHO}?version=1.0`;
    });
    after(async () => {
      await provider?.stop();
      await zk?.close();
    });

    it('a long beyond 2^53 comes back exact, as a JSON number with every digit', async () => {
      const r = await meshlet('invoke', url, 'addLong', '[9007199254740993, 1]', '--types', 'long,long', '--compact');
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '9007199254740994\n');
    });

    it('a POJO argument as a map with "class", answered as Java generalizes it (a map with "class")', async () => {
      const user = '{"class":"com.meshlet.conformance.User","id":-9223372036854775808,"name":"ann","tags":["a","b"],"attrs":{"k":"v"},"active":true,"score":1.5}';
      const r = await meshlet('invoke', url, 'echoUser', `[${user}]`, '--types', 'com.meshlet.conformance.User');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /"id": -9223372036854775808\b/);
      const got = JSON.parse(r.out.replace(/-9223372036854775808/, '0'));
      assert.equal(got.class, 'com.meshlet.conformance.User');
      assert.deepEqual([got.name, got.tags, got.attrs, got.active, got.score], ['ann', ['a', 'b'], { k: 'v' }, true, 1.5]);
    });

    it('a nested POJO of the fleet service (Order → Customer)', async () => {
      const order = '{"class":"com.meshlet.fleet.Order","id":7,"customer":{"class":"com.meshlet.fleet.Customer","name":"c"},"labels":["x"]}';
      const r = await meshlet('invoke', `dubbo://127.0.0.1:${provider.port}/com.meshlet.fleet.FleetService?version=1.0`, 'echoOrder', `[${order}]`, '--types', 'com.meshlet.fleet.Order');
      assert.equal(r.code, 0, r.err);
      const got = JSON.parse(r.out);
      assert.equal(got.class, 'com.meshlet.fleet.Order');
      assert.equal(got.customer.class, 'com.meshlet.fleet.Customer');
      assert.equal(got.customer.name, 'c');
      assert.deepEqual(got.labels, ['x']);
    });

    it('a business exception: exit 1, BUSINESS: and the Java exception on one line', async () => {
      const r = await meshlet('invoke', url, 'fail', '["boom"]', '--types', 'java.lang.String');
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.match(r.err, /^BUSINESS: java\.lang\.IllegalStateException: boom/);
      const none = await meshlet('invoke', url, 'nope', '[]');
      assert.equal(none.code, 1);
      // Java's GenericFilter reports an unknown method as an RpcException, not a business exception.
      assert.match(none.err, /^SERVER_ERROR: org\.apache\.dubbo\.rpc\.RpcException: .*nope/m);
    });

    it('through ZooKeeper by interface name; describe lists the methods the provider URL carries', async () => {
      const r = await meshlet('invoke', ECHO, 'echo', '["hi"]', '--registry', registry, '--version', '1.0');
      assert.equal(r.code, 0, r.err);
      assert.equal(JSON.parse(r.out), 'hi');
      assert.match(r.err, /no --types; guessing the Java types/);
      const d = await meshlet('describe', ECHO, '--registry', registry, '--version', '1.0');
      assert.equal(d.code, 0, d.err);
      assert.match(d.out, /from the registry/);
      for (const m of ['addLong', 'echo', 'echoUser', 'fail']) assert.match(d.out, new RegExp(`^  ${m}$`, 'm'));
      // Directly, with no registry: these providers export no MetadataService (interface-level registration).
      const direct = await meshlet('describe', url);
      assert.equal(direct.code, 1);
      assert.match(direct.err, /^UNAVAILABLE: no description of com\.meshlet\.conformance\.EchoService/);
    });
  });
}

describe('meshlet invoke → SOFARPC 5.13.2 provider (bolt://, the typed call the --types describe)', { timeout: 300_000 }, () => {
  let provider;
  let url;
  before(async () => {
    provider = await (await sofaPeer()).provider();
    url = `bolt://127.0.0.1:${provider.port}/${ECHO}?version=1.0`;
  });
  after(() => provider?.stop());

  it('an exact long, a POJO answered with its class, a nested POJO, a business exception', async () => {
    const add = await meshlet('invoke', url, 'addLong', '[9007199254740993, 1]', '--types', 'long,long', '--compact');
    assert.equal(add.code, 0, add.err);
    assert.equal(add.out, '9007199254740994\n');
    const user = '{"class":"com.meshlet.conformance.User","id":9007199254740993,"name":"ann","tags":["a"],"attrs":{"k":"v"},"active":true,"score":1.5}';
    const echoed = await meshlet('invoke', url, 'echoUser', `[${user}]`, '--types', 'com.meshlet.conformance.User');
    assert.equal(echoed.code, 0, echoed.err);
    assert.match(echoed.out, /"id": 9007199254740993\b/);
    assert.equal(JSON.parse(echoed.out).class, 'com.meshlet.conformance.User');
    const order = '{"class":"com.meshlet.fleet.Order","id":7,"customer":{"class":"com.meshlet.fleet.Customer","name":"c"}}';
    const nested = await meshlet('invoke', `bolt://127.0.0.1:${provider.port}/com.meshlet.fleet.FleetService?version=1.0`, 'echoOrder', `[${order}]`, '--types', 'com.meshlet.fleet.Order');
    assert.equal(nested.code, 0, nested.err);
    assert.deepEqual(JSON.parse(nested.out).customer, { class: 'com.meshlet.fleet.Customer', name: 'c', address: null });
    const fail = await meshlet('invoke', url, 'fail', '["boom"]', '--types', 'java.lang.String');
    assert.equal(fail.code, 1);
    assert.match(fail.err, /^BUSINESS: boom \(java\.lang\.IllegalStateException\)/);
  });
});

describe('meshlet invoke → Java motan 1.2.6 provider (motan2://, simple serialization)', { timeout: 300_000 }, () => {
  let provider;
  let url;
  before(async () => {
    provider = await (await motanPeer()).provider();
    url = `motan2://127.0.0.1:${provider.port}/${ECHO}?version=1.0&group=conformance`;
  });
  after(() => provider?.stop());

  it('an exact long, guessed types, a map, a business exception', async () => {
    const add = await meshlet('invoke', url, 'addLong', '[9007199254740993, 1]', '--types', 'long,long', '--compact');
    assert.equal(add.code, 0, add.err);
    assert.equal(add.out, '9007199254740994\n');
    const echo = await meshlet('invoke', url, 'echo', '["hi"]');
    assert.equal(echo.code, 0, echo.err);
    assert.equal(JSON.parse(echo.out), 'hi');
    const swapped = await meshlet('invoke', url, 'swapMap', '[{"a":"b"}]', '--types', 'java.util.Map');
    assert.equal(swapped.code, 0, swapped.err);
    assert.deepEqual(JSON.parse(swapped.out), { b: 'a' });
    const fail = await meshlet('invoke', url, 'fail', '["boom"]', '--types', 'java.lang.String');
    assert.equal(fail.code, 1);
    assert.match(fail.err, /^BUSINESS: boom/);
  });
});
