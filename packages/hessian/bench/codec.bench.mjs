// Encode/decode speed of @meshlet/hessian vs hessian.js 2.11.0 on the Dubbo sayHello request body
// (golden A of shared/reference/dubbo.md) and a 7-field POJO. Not a test: run after `npx tsc -b packages/hessian`:
//   node packages/hessian/bench/codec.bench.mjs
import hessianjs from 'hessian.js';
import { t } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';

function bench(name, fn, { iterations = 200_000, rounds = 7 } = {}) {
  for (let i = 0; i < iterations / 4; i++) fn(); // warm up
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(rounds / 2)];
  console.log(`${name.padEnd(52)} ${(median / 1000).toFixed(3).padStart(8)} µs/op  (best ${(samples[0] / 1000).toFixed(3)})`);
  return median;
}

// ---- Dubbo sayHello request body (strings + attachments map)
const strings = ['2.0.2', 'org.apache.dubbo.demo.DemoService', '0.0.0', 'sayHello', 'Ljava/lang/String;', 'world'];
const attachments = {
  path: 'org.apache.dubbo.demo.DemoService', 'remote.application': 'demo-consumer',
  interface: 'org.apache.dubbo.demo.DemoService', version: '0.0.0', timeout: '3000',
};
const Attachments = t.map(t.string, t.string);
const w = new HessianWriter();
const jsEnc = new hessianjs.EncoderV2();

const encodeOurs = () => {
  w.reset();
  for (let i = 0; i < strings.length; i++) w.writeString(strings[i]);
  w.writeTyped(attachments, Attachments);
  return w.finish();
};
const encodeJs = () => {
  jsEnc.reset();
  for (let i = 0; i < strings.length; i++) jsEnc.write(strings[i]);
  jsEnc.write(attachments);
  return jsEnc.get();
};
const body = Buffer.from(encodeOurs());
const jsBody = encodeJs();
console.log(`sayHello body: ours ${body.length} B, hessian.js ${jsBody.length} B (hessian.js sorts map keys)`);

const decodeOurs = () => {
  const r = new HessianReader(body);
  for (let i = 0; i < 6; i++) r.readString();
  return r.readTyped(Attachments);
};
const decodeOursUntyped = () => {
  const r = new HessianReader(body);
  for (let i = 0; i < 6; i++) r.readValue();
  return r.readValue();
};
const decodeJs = () => {
  const d = new hessianjs.DecoderV2(body);
  for (let i = 0; i < 6; i++) d.read();
  return d.read();
};

const results = {};
results.encHello = bench('sayHello encode   @meshlet/hessian', encodeOurs);
results.encHelloJs = bench('sayHello encode   hessian.js', encodeJs);
results.decHello = bench('sayHello decode   @meshlet/hessian (typed map)', decodeOurs);
bench('sayHello decode   @meshlet/hessian (untyped)', decodeOursUntyped);
results.decHelloJs = bench('sayHello decode   hessian.js', decodeJs);

// ---- 7-field POJO
const User = t.object('com.example.User', {
  id: t.int64, name: t.string, age: t.int32, email: t.string, active: t.bool, score: t.float64, createdAt: t.date,
});
const user = { id: 1234567890123n, name: 'Alice Zhang', age: 31, email: 'alice@example.com', active: true, score: 97.25, createdAt: new Date(1700000000000) };
const jsUser = {
  $class: 'com.example.User',
  $: {
    id: { $class: 'long', $: 1234567890123 }, name: 'Alice Zhang', age: { $class: 'int', $: 31 }, email: 'alice@example.com',
    active: true, score: { $class: 'double', $: 97.25 }, createdAt: new Date(1700000000000),
  },
};
const encodePojo = () => {
  w.reset();
  w.writeTyped(user, User);
  return w.finish();
};
const encodePojoJs = () => {
  jsEnc.reset();
  jsEnc.write(jsUser);
  return jsEnc.get();
};
const pojo = Buffer.from(encodePojo());
const jsPojo = encodePojoJs();
console.log(`7-field POJO: ours ${pojo.length} B, hessian.js ${jsPojo.length} B`);
results.encPojo = bench('POJO encode       @meshlet/hessian', encodePojo);
results.encPojoJs = bench('POJO encode       hessian.js', encodePojoJs);
results.decPojo = bench('POJO decode       @meshlet/hessian (typed)', () => new HessianReader(pojo).readTyped(User));
bench('POJO decode       @meshlet/hessian (untyped)', () => new HessianReader(pojo).readValue());
results.decPojoJs = bench('POJO decode       hessian.js', () => hessianjs.decode(pojo, '2.0'));

// ---- list of 100 POJOs
const users = Array.from({ length: 100 }, (_, i) => ({ ...user, id: user.id + BigInt(i), name: `user-${i}` }));
const jsUsers = users.map((u) => ({ ...jsUser, $: { ...jsUser.$, id: { $class: 'long', $: Number(u.id) }, name: u.name } }));
const Users = t.list(User);
const encodeList = () => {
  w.reset();
  w.writeTyped(users, Users);
  return w.finish();
};
const list = Buffer.from(encodeList());
bench('100 POJOs encode  @meshlet/hessian', encodeList, { iterations: 5000 });
bench('100 POJOs encode  hessian.js', () => { jsEnc.reset(); jsEnc.write(jsUsers); return jsEnc.get(); }, { iterations: 5000 });
bench('100 POJOs decode  @meshlet/hessian (typed)', () => new HessianReader(list).readTyped(Users), { iterations: 5000 });
bench('100 POJOs decode  hessian.js', () => hessianjs.decode(list, '2.0'), { iterations: 5000 });

console.log('\nspeed-up vs hessian.js: '
  + `sayHello encode ×${(results.encHelloJs / results.encHello).toFixed(1)}, decode ×${(results.decHelloJs / results.decHello).toFixed(1)}; `
  + `POJO encode ×${(results.encPojoJs / results.encPojo).toFixed(1)}, decode ×${(results.decPojoJs / results.decPojo).toFixed(1)}`);
