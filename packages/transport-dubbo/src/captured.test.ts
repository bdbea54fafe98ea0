// Golden tests on frames captured from real Apache Dubbo 2.7.23 and 3.3.6 (a Java consumer talking to
// a Java provider through a recording relay, and a Java provider stopping under load), recorded by the
// fleet suite (test/fleet/dubbo/suite.js with MESHLET_DUBBO_CAPTURE=1) into src/fixtures. Every frame
// must decode; where Meshlet encodes the same message the bytes are compared, and where they
// legitimately differ the test says which fields and why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Code, createInvocation, defineService, RpcError, t, type MethodDefinition, type ServiceDefinition } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { FLAG_EVENT, FLAG_REQUEST, HEADER_LENGTH } from './constants.js';
import { parseHeader } from './header.js';
import { RequestEncoder, readRequestHead } from './request.js';
import { decodeResponse, encodeErrorResponse, encodeHeartbeatResponse, encodeReadonlyEvent, encodeValueResponse } from './response.js';
import { toStringAttachments } from './attachments.js';

interface Connection { fromConsumer: string[]; fromProvider: string[] }
type Capture = Record<string, Connection[]>;

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
const echoMethods = {
  echo: { params: [t.string], returns: t.string },
  addLong: { params: [t.int64, t.int64], returns: t.int64 },
  echoUser: { params: [User], returns: User },
  nullable: { params: [t.nullable(t.string)], returns: t.nullable(t.string) },
  fail: { params: [t.string], returns: t.void },
  nope: { params: [t.string], returns: t.string },
} as const;
const services: ServiceDefinition[] = [
  defineService({ interface: 'com.meshlet.conformance.EchoService', version: '1.0', methods: echoMethods }),
  defineService({ interface: 'com.meshlet.conformance.EchoService', version: '2.0', group: 'g2', methods: echoMethods }),
  defineService({ interface: 'com.meshlet.conformance.EchoService', version: '9.9', methods: echoMethods }),
  defineService({
    interface: 'com.meshlet.fleet.FleetService', version: '1.0', methods: {
      attachment: { params: [t.string], returns: t.nullable(t.string) },
      raise: { params: [t.string], returns: t.void },
      describeLong: { name: 'describe', params: [t.int64], returns: t.string },
    },
  }),
  defineService({ interface: 'com.meshlet.Missing', version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } }),
];

/** The Meshlet definition of a captured request: by interface, version, group, method and JVM descriptor. */
function definitionOf(path: string, version: string, group: string | undefined, method: string, descriptor: string) {
  for (const s of services) {
    if (s.interface !== path || s.version !== version || s.group !== group) continue;
    for (const m of s.methods.values()) if (m.name === method && m.paramDescriptor === descriptor) return { service: s, method: m };
  }
  throw new Error(`no definition for ${group ?? ''}/${path}:${version} ${method}(${descriptor})`);
}

interface Request {
  frame: Buffer;
  id: bigint;
  service: ServiceDefinition;
  method: MethodDefinition;
  args: unknown[];
  argsEnd: number;
  attachments: Record<string, string>;
}

function readRequest(frame: Buffer): Request {
  const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
  const head = readRequestHead(r);
  // The group travels only in the attachments, after the arguments: read those untyped first.
  const probe = new HessianReader(frame, HEADER_LENGTH, frame.length);
  readRequestHead(probe);
  const count = head.descriptor.match(/\[*(L[^;]+;|[ZBCSIJFD])/g)?.length ?? 0;
  for (let i = 0; i < count; i++) probe.readValue();
  const attachments = toStringAttachments(probe.readValue());
  const { service, method } = definitionOf(head.path, head.version, attachments.group, head.method, head.descriptor);
  const args = method.params.map((p) => r.readTyped(p));
  const argsEnd = r.position;
  assert.deepEqual(toStringAttachments(r.readValue()), attachments);
  assert.ok(r.atEnd);
  return { frame, id: parseHeader(frame).id, service, method, args, argsEnd, attachments };
}

const hex = (s: string) => Buffer.from(s, 'hex');
const w = new HessianWriter();
const idParts = (id: bigint) => [Number(BigInt.asIntN(32, id >> 32n)), Number(BigInt.asIntN(32, id))] as const;

for (const [module, release] of [['dubbo27', '2.7.23'], ['dubbo3', '3.3.6']] as const) {
  const capture = JSON.parse(readFileSync(new URL(`../src/fixtures/${module}-captured.json`, import.meta.url), 'utf8')) as Capture;
  const [javaToJava] = capture['java-to-java']!;
  const requests = javaToJava!.fromConsumer.map(hex);
  const responses = new Map(javaToJava!.fromProvider.map(hex).map((f) => [parseHeader(f).id, f]));
  const calls = requests.filter((f) => (f[2]! & FLAG_EVENT) === 0).map(readRequest);
  const answer = (req: Request) => {
    const f = responses.get(req.id);
    assert.ok(f, `a response to ${req.method.name} (${req.id})`);
    return f;
  };

  describe(`frames captured from Apache Dubbo ${release}`, () => {
    test('every frame of every capture parses: magic, flags, exact body length', () => {
      for (const [name, conns] of Object.entries(capture)) {
        for (const conn of conns) {
          for (const f of [...conn.fromConsumer, ...conn.fromProvider].map(hex)) {
            const h = parseHeader(f);
            assert.equal(f.readUInt16BE(0), 0xdabb, name);
            assert.equal(h.bodyLength, f.length - HEADER_LENGTH, name);
            assert.equal(h.serialization, 2, `${name}: hessian2`);
          }
        }
      }
      assert.ok(calls.length >= 12, `${calls.length} calls captured`);
    });

    test('requests: Meshlet encodes the same head and arguments byte for byte; the attachments are Java\'s', () => {
      const encoder = new RequestEncoder(w, `${module}-fleet-consumer`);
      for (const req of calls) {
        const inv = createInvocation(req.service, req.method, req.args);
        const [hi, lo] = idParts(req.id);
        const ours = encoder.encode(hi, lo, inv, 5000);
        const h = parseHeader(ours);
        assert.equal(ours.subarray(0, 12).toString('hex'), req.frame.subarray(0, 12).toString('hex'), `${req.method.name}: magic, flag, status, id`);
        assert.equal(h.id, req.id);
        // POJOs: Java writes a class's fields in its reflection order, Meshlet in the descriptor's; both decode the same.
        const samePrefix = req.method.name === 'echoUser' ? ours.indexOf('echoUser') : req.argsEnd;
        assert.equal(ours.subarray(HEADER_LENGTH, samePrefix).toString('hex'), req.frame.subarray(HEADER_LENGTH, samePrefix).toString('hex'), `${req.method.name}: version, path, version, method, descriptor, arguments`);
        // Attachments: a HashMap in Java's hash order, so compared as a map, not as bytes. Meshlet always
        // adds `timeout` and `remote.application`; the keys both send carry the same values.
        const a = req.attachments;
        assert.equal(a.path, req.service.interface);
        assert.equal(a.interface, req.service.interface);
        assert.equal(a.version, req.service.version);
        assert.equal(a.group, req.service.group);
        // 3.x sends the call's timeout as a string; 2.7.23 sends none (Meshlet's provider then sets no deadline).
        if (release.startsWith('3.')) assert.match(a.timeout ?? '', /^\d+$/, 'timeout is a string of digits');
        else assert.equal(a.timeout, undefined);
        if (req.method.name === 'attachment') assert.equal(a['x-fleet-key'], 'fleet-42');
      }
    });

    test('value responses (flag 4 + {dubbo: "2.0.2"} for a 2.0.2 request) decode, and Meshlet encodes them byte for byte', () => {
      const values: Record<string, unknown> = { echo: undefined, addLong: 9007199254740993n, nullable: null, attachment: 'fleet-42', describe: 'long:7' };
      let compared = 0;
      for (const req of calls) {
        const f = answer(req);
        if (f[3] !== 20 || (req.method.name !== 'echo' && !(req.method.name in values))) continue;
        const got = decodeResponse(f, req.method);
        const expected = req.method.name === 'echo' ? (req.service.group === 'g2' ? `g2:${String(req.args[0])}` : req.args[0]) : values[req.method.name];
        assert.deepEqual(got, expected, req.method.name);
        const [hi, lo] = idParts(req.id);
        assert.equal(encodeValueResponse(w, hi, lo, got, req.method, true).toString('hex'), f.toString('hex'), `${req.method.name}: Meshlet's response bytes`);
        compared++;
      }
      assert.ok(compared >= 6, `${compared} value responses compared`);
      const user = calls.find((c) => c.method.name === 'echoUser')!;
      assert.deepEqual(decodeResponse(answer(user), user.method), user.args[0]);
    });

    test('business exceptions: the Java Throwable (with stack trace) decodes to BUSINESS with its class and message', () => {
      const expected: Record<string, [string, string]> = {
        fail: ['java.lang.IllegalStateException', 'boom'],
        raise: ['com.meshlet.fleet.FleetException', 'fleet says no'],
      };
      for (const req of calls.filter((c) => c.method.name in expected)) {
        const f = answer(req);
        assert.equal(f[3], 20, 'status 20: a business exception is a normal response');
        // Body flag 3: exception with attachments. Java writes every Throwable field (stackTrace,
        // suppressedExceptions, cause); Meshlet writes detailMessage only, which Java reads too.
        assert.equal(f[HEADER_LENGTH], 0x93);
        const [cls, message] = expected[req.method.name]!;
        assert.throws(() => decodeResponse(f, req.method), (e: unknown) =>
          e instanceof RpcError && e.code === Code.Business && e.remoteClass === cls && e.message === message
          // Java's own stack trace, as printStackTrace shows it.
          && e.remoteStack !== undefined && e.remoteStack.startsWith(`${cls}: ${message}\n\tat `) && /\.java:\d+\)/.test(e.remoteStack));
      }
    });

    test('an unknown method or interface: status 40 with Java\'s text, METHOD_NOT_FOUND; another version: 70 SERVICE_NOT_FOUND (2.7), 40 (3.x)', () => {
      for (const req of calls.filter((c) => c.method.name === 'nope' || c.service.version === '9.9')) {
        const f = answer(req);
        // 2.7 finds the method by interface, then misses the exporter (70); 3.x decodes by interface:version (40).
        const version99 = req.service.version === '9.9' && release.startsWith('2.');
        assert.equal(f[3], version99 ? 70 : 40, `${req.service.interface}:${req.service.version}.${req.method.name}`);
        const message = new HessianReader(f, HEADER_LENGTH, f.length).readString();
        assert.throws(() => decodeResponse(f, req.method), (e: unknown) =>
          e instanceof RpcError && e.code === (version99 ? Code.ServiceNotFound : Code.MethodNotFound) && e.message === message);
        // Meshlet encodes an error status the same way: one hessian string.
        const [hi, lo] = idParts(req.id);
        assert.equal(encodeErrorResponse(w, hi, lo, f[3]!, message).toString('hex'), f.toString('hex'));
      }
    });

    test('heartbeats: Java asks on an idle connection (0xe2, body N) and Meshlet answers as Java does, byte for byte', () => {
      const beats = requests.filter((f) => f[2] === (FLAG_REQUEST | 0x40 | FLAG_EVENT | 2));
      assert.ok(beats.length >= 1, 'heartbeats captured');
      for (const beat of beats) {
        assert.equal(beat.subarray(HEADER_LENGTH).toString('hex'), '4e');
        assert.equal(encodeHeartbeatResponse(beat).toString('hex'), responses.get(parseHeader(beat).id)!.toString('hex'));
      }
    });

    test('graceful stop: every in-flight call is answered; a readonly event ("R", oneway) goes to the consumer', () => {
      const [conn] = capture['graceful-stop']!;
      const sent = conn!.fromConsumer.map(hex).filter((f) => (f[2]! & FLAG_EVENT) === 0).map((f) => parseHeader(f).id);
      const got = conn!.fromProvider.map(hex);
      const answered = new Set(got.filter((f) => (f[2]! & FLAG_REQUEST) === 0 && f[3] === 20).map((f) => parseHeader(f).id));
      for (const id of sent) assert.ok(answered.has(id), `call ${id} answered`);
      const events = got.filter((f) => f[2] === (FLAG_REQUEST | FLAG_EVENT | 2));
      assert.equal(events.length, 1, 'one readonly event');
      const event = events[0]!;
      // Meshlet's readonly event is the same frame; only the id differs (Java: 0 in 2.7, a counter in 3.x).
      const [hi, lo] = idParts(parseHeader(event).id);
      assert.equal(encodeReadonlyEvent(w, 0).subarray(HEADER_LENGTH).toString('hex'), event.subarray(HEADER_LENGTH).toString('hex'));
      assert.equal(hi === 0 && lo === 0 ? encodeReadonlyEvent(w, 0).toString('hex') : event.toString('hex'), event.toString('hex'));
    });
  });
}
