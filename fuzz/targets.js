// The fuzz targets: every decoder Meshlet runs on bytes or text a peer, a registry or an operator
// controls. Each target takes one input and runs it through the decoder the way its real caller
// does (a byte stream through the protocol's frame splitter, then the frame decoders). The only
// allowed outcomes are a value or a typed RpcError; the runner treats anything else as a finding.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@meshlet/core';
import { Code, RpcError, defineService, t } from '@meshlet/core';
import { FrameReader } from '@meshlet/core/engine';
import { HessianReader, DraftHessianReader, hessian2Draft } from '@meshlet/hessian';
import * as dubbo from '@meshlet/transport-dubbo';
import * as bolt from '@meshlet/transport-bolt';
import * as motan from '@meshlet/transport-motan';
import * as rsocket from '@meshlet/transport-rsocket';
import * as triple from '@meshlet/transport-triple';
import * as registry from '@meshlet/registry';
import { RelayRequest, agentProtocols, relayCodecs } from '@meshlet/agent';
import protobuf from 'protobufjs';
import * as xds from '@meshlet/xds';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (pkg, file) => import(join(root, 'packages', pkg, 'dist', file));

const [{ compileClientMethod, readSofaRequest }, { Flavours }, { decodeResponse: boltDecodeResponse }] = await Promise.all([
  dist('transport-bolt', 'request.js'), dist('transport-bolt', 'flavours.js'), dist('transport-bolt', 'response.js'),
]);
const { bodyReader } = await dist('transport-motan', 'body.js');
const { META_START } = await dist('transport-motan', 'constants.js');
const rsocketFrames = await dist('transport-rsocket', 'frame-reader.js');
const [nacosListener, nacosApp, nacosDubbo] = await Promise.all([
  dist('registry', 'nacos/config-watch.js'), dist('registry', 'nacos/app-naming.js'), dist('registry', 'nacos/dubbo-naming.js'),
]);
const [nacosPayload, nacosGrpcErrors] = await Promise.all([dist('registry', 'nacos/grpc/payload.js'), dist('registry', 'nacos/grpc/errors.js')]);
const { Reassembler } = await dist('transport-rsocket', 'reassembly.js');
const { deserializeFrame, BufferEncoders, FrameType } = await dist('transport-rsocket', 'rsocket-lib.js');
const { decodeEntry } = await import(join(root, 'packages/registry/dist/local/entry.js'));
const { parseTarget } = await import(join(root, 'packages/cli/dist/target.js'));
const { UsageError } = await import(join(root, 'packages/cli/dist/command.js'));
const { redisSettings } = await import(join(root, 'packages/registry/dist/redis/options.js'));
const { zookeeperSettings } = await import(join(root, 'packages/registry/dist/zookeeper/options.js'));

const MAX_FRAME = 1 << 20;
const xdsMessages = await dist('xds', 'client/messages.js');

// Methods typed the way real contracts are: scalars, collections, a Java object, and `any`.
const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
const Svc = defineService({
  interface: 'com.meshlet.conformance.EchoService',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    rich: {
      params: [t.int32, t.int64, t.string, t.list(t.string), t.float64, t.bool, t.bytes, t.map(t.string, t.int64), t.nullable(User), t.int16, t.list(t.any)],
      returns: t.map(t.string, t.list(User)),
    },
    any: { params: [t.any], returns: t.any },
  },
});
const methods = [...Svc.methods.values()];
// Every kind of descriptor, for the value decoders.
const descriptors = [t.any, t.bool, t.int8, t.int16, t.int32, t.int64, t.float32, t.float64, t.char, t.string, t.bytes, t.date,
  t.decimal, t.list(t.any), t.set(t.string), t.array(t.int32), t.array(t.int64), t.map(t.string, t.list(User)), User,
  t.enum('com.meshlet.Color', ['RED', 'GREEN']), t.nullable(t.int64), t.map(t.int64, t.array(t.bytes))];

/** Frames and the typed error (if any) a reader yields for `input` delivered in chunks of `size`. */
function split(newReader, input, size) {
  const reader = newReader();
  const out = [];
  let error;
  try {
    for (let at = 0; at < input.length; at += size) reader.push(input.subarray(at, at + size), (f) => out.push(Buffer.from(f)));
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    error = err;
  }
  return { out, error };
}

/**
 * Splits `input` into frames as a connection would and calls `onFrame` for each, then rethrows the
 * reader's typed error if it had one. Differential check: the same bytes in one read and in reads
 * of 1–13 bytes must give the same frames and the same error, whatever the frame reader's buffering.
 */
export function framesBy(newReader, input, onFrame) {
  const whole = split(newReader, input, Math.max(1, input.length));
  const pieces = split(newReader, input, 1 + ((input[input.length - 1] ?? 0) % 13));
  const same = whole.out.length === pieces.out.length && whole.error?.code === pieces.error?.code &&
    whole.out.every((f, i) => f.equals(pieces.out[i]));
  if (!same) {
    throw new Error(`frame reader: one read gave ${whole.out.length} frames (${whole.error?.code ?? 'no error'}), ` +
      `small reads gave ${pieces.out.length} (${pieces.error?.code ?? 'no error'})`);
  }
  for (const f of whole.out) onFrame(f);
  if (whole.error !== undefined) throw whole.error;
}

const frames = (splitter, input, onFrame) => framesBy(() => new FrameReader(splitter, MAX_FRAME), input, onFrame);

/** Runs `fn`, keeping typed RpcErrors as outcomes: one frame's bad body must not hide the next frame's. */
function each(results, fn) {
  try {
    results.push(fn());
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    results.push(err);
  }
}

/** A routing rule document as a condition and as a tag rule, routed over fixed candidates when it parses. */
const routeSvc = defineService({ interface: 'demo.Echo', version: '1.0.0', methods: { find: { params: [t.string], returns: t.string } } });
const routeCandidates = ['10.20.0.1', '10.20.0.2', '10.30.0.1', '::1'].map((h, i) => ({ endpoint: core.endpoint('dubbo', h, 20880 + i, { application: 'echo-app', env: i % 2 ? 'gray' : 'prod', ...(i === 3 ? { 'dubbo.tag': 'blue' } : {}) }), pending: 0 }));
function routingRoute(text) {
  const rules = new core.RoutingRules({ application: 'web', host: () => '10.20.0.9' });
  rules.setRule('demo.Echo:1.0.0:.condition-router', text);
  try {
    rules.setRule('echo-app.tag-router', text);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
  }
  const route = rules.router(core.tagRouter(() => ({})));
  const out = [];
  for (const [args, attachments] of [[['x'], {}], [[null], { 'dubbo.tag': 'gray' }], [[], { 'dubbo.tag': 'gray|team1', lane: 'blue' }]]) {
    const routed = route(routeCandidates, core.createInvocation(routeSvc, routeSvc.methods.get('find'), args, { attachments }));
    if (!routed.every((c) => routeCandidates.includes(c))) throw new Error('routed to a candidate it was not given');
    out.push(routed.map((c) => c.endpoint.port).join(','));
  }
  return out.join(';');
}

const hexOf = (s) => Buffer.from(s, 'hex');
/** Every hex string (frames) in a JSON capture or a fixture module, at any depth. */
function hexStrings(value, out = []) {
  if (typeof value === 'string') {
    const s = value.replace(/\s+/g, '');
    if (s.length >= 4 && s.length % 2 === 0 && /^[0-9a-f]+$/i.test(s)) out.push(hexOf(s));
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) hexStrings(v, out);
  }
  return out;
}
function captured(pkg) {
  const dir = join(root, 'packages', pkg, 'src', 'fixtures');
  return readdirSync(dir).filter((f) => f.endsWith('.json'))
    .flatMap((f) => hexStrings(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
}
async function golden(pkg) {
  const m = await dist(pkg, 'golden.fixture.js');
  return hexStrings(Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'hex')));
}
const byMagic = (bufs, test) => bufs.filter(test);
const latin1 = (...s) => s.map((x) => Buffer.from(x, 'latin1'));

const seeds = {
  dubbo: byMagic([...captured('transport-dubbo'), ...await golden('transport-dubbo')], (b) => b[0] === 0xda),
  bolt: byMagic([...captured('transport-bolt'), ...await golden('transport-bolt')], (b) => b[0] === 1 || b[0] === 2),
  motan: byMagic([...captured('transport-motan'), ...await golden('transport-motan')], (b) => b[0] === 0xf1),
  motanValues: byMagic(await golden('transport-motan'), (b) => b[0] !== 0xf1),
};
// Hessian values: the bodies of the Dubbo frames (after the 16-byte header) and of Bolt's content.
seeds.hessian = [...seeds.dubbo.map((f) => f.subarray(16)), ...seeds.bolt.map((f) => f.subarray(Math.min(f.length, 22)))].filter((b) => b.length > 0);

function rsocketSeeds() {
  const { encodeFrame } = rsocketWriter;
  const route = rsocket.encodeEntry(rsocket.ROUTING_MIME, rsocket.encodeRoute(rsocket.routeOf('com.meshlet.conformance.EchoService', 'echo')));
  const list = [
    { type: FrameType.SETUP, flags: 0x100, streamId: 0, majorVersion: 1, minorVersion: 0, keepAlive: 60000, lifetime: 180000,
      metadataMimeType: rsocket.COMPOSITE_MIME, dataMimeType: 'application/json', data: Buffer.from('{}'), metadata: route },
    { type: FrameType.REQUEST_RESPONSE, flags: 0x100, streamId: 1, data: Buffer.from('["hello"]'), metadata: route },
    { type: FrameType.REQUEST_FNF, flags: 0x100, streamId: 3, data: Buffer.from('[1]'), metadata: route },
    { type: FrameType.PAYLOAD, flags: 0x60, streamId: 1, data: Buffer.from('"hello"'), metadata: null },
    { type: FrameType.ERROR, flags: 0, streamId: 1, code: 0x201, message: 'boom' },
    { type: FrameType.REQUEST_N, flags: 0, streamId: 1, requestN: 5 },
    { type: FrameType.CANCEL, flags: 0, streamId: 1 },
    { type: FrameType.KEEPALIVE, flags: 0x80, streamId: 0, lastReceivedPosition: 0, data: null },
  ];
  const out = [];
  for (const f of list) {
    try { out.push(encodeFrame(f)); } catch { /* a frame type our writer does not send */ }
  }
  // A request and its result cut in fragments (FOLLOWS), and a fragment cancelled mid-way.
  const fragments = (f, size) => Buffer.concat(rsocketWriter.fragmentParts(f, size));
  out.push(
    fragments({ type: FrameType.REQUEST_RESPONSE, flags: 0x100, streamId: 5, data: Buffer.from(`["${'x'.repeat(150)}"]`), metadata: route }, 64),
    fragments({ type: FrameType.PAYLOAD, flags: 0x60, streamId: 5, data: Buffer.from(`"${'y'.repeat(200)}"`), metadata: null }, 80),
    Buffer.concat([fragments({ type: FrameType.REQUEST_STREAM, flags: 0x100, streamId: 7, requestN: 3, data: Buffer.from('[1]'), metadata: route }, 64).subarray(0, 67),
      encodeFrame({ type: FrameType.CANCEL, flags: 0, streamId: 7 })]),
  );
  return out;
}
const rsocketWriter = await dist('transport-rsocket', 'frame-writer.js');

const dicts = {
  dubbo: [hexOf('dabb'), hexOf('dabbc2'), hexOf('dabb02'), hexOf('dabbe2'), ...latin1('2.0.2', 'Ljava/lang/String;', 'H', 'Z', 'C', 'O', 'path', 'interface', 'version', 'group')],
  bolt: [hexOf('0101'), hexOf('0202'), hexOf('01000002'), ...latin1('com.alipay.sofa.rpc.core.request.SofaRequest', 'com.alipay.sofa.rpc.core.response.SofaResponse', 'sofa_head_target_service', 'targetServiceUniqueName', 'methodName', 'methodArgSigs', 'requestProps')],
  motan: [hexOf('f1f1'), hexOf('f1f10008'), hexOf('1f8b08'), ...latin1('M_p', 'M_m', 'M_md', 'M_g', 'M_v', 'M_s', 'M_e', 'M_pp', 'M_tmo', '\n')],
  hessian: [...[0x43, 0x48, 0x4d, 0x4f, 0x51, 0x52, 0x53, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x60, 0x70, 0x78, 0x74, 0x6c, 0x6d, 0x4c, 0x49, 0x44, 0x42, 0x62, 0x4e, 0x54, 0x46].map((b) => Buffer.from([b])),
    ...latin1('java.util.HashMap', 'java.lang.RuntimeException', 'detailMessage', 'stackTrace', 'cause', '[string', '[int')],
  rsocket: [hexOf('000000'), hexOf('ffffff'), ...latin1(rsocket.COMPOSITE_MIME, rsocket.ROUTING_MIME, rsocket.MESHLET_MIME, 'application/json', 'application/x-protobuf')],
  url: latin1('dubbo://', 'bolt://', 'motan2://', 'rsocket://', 'zookeeper://', 'redis://', 'redis+sentinel://', 'rediss+cluster://', '%', '%2F', '%3A', '[::1]', ':', '@', ',', '?', '&', '=', '#', '/', 'interface=', 'version=', 'group=', 'weight=', '\u0000', '\uffff'),
};

// Protobuf and JSON payloads: the messages of the RSocket fixture contract, and Bolt's binding of them.
const protoRoot = protobuf.loadSync(join(root, 'packages/transport-rsocket/src/fixtures/echo.proto'));
const protoService = protoRoot.lookupService('meshlet.test.Echo');
const protoMethods = [
  ...defineService({ interface: 'meshlet.test.Echo', methods: rsocket.protobufMethods(protoService) }).methods.values(),
  // Bolt maps unary rpcs only: the contract of its own protobuf tests.
  ...defineService({ interface: 'com.meshlet.proto.ProtoService', methods: bolt.protobufMethods(protobuf.parse(`
    syntax = "proto3"; package com.meshlet.proto; option java_package = "com.meshlet.proto.gen";
    message EchoReq { string s = 1; int64 n = 2; repeated string tags = 3; Inner inner = 4; message Inner { sint64 big = 1; } }
    message EchoRes { string s = 1; int64 n = 2; }
    service ProtoService { rpc echoStr (EchoReq) returns (EchoRes); }`).root.lookupService('com.meshlet.proto.ProtoService')) }).methods.values(),
];
const protoBindings = protoMethods.flatMap((m) => [bolt.protobufBindingOf(m.params[0]), bolt.protobufBindingOf(m.returns)]).filter(Boolean);
const payloadMethods = [...methods, ...protoMethods].map((m) => rsocket.methodCodec(m));
const tripleMethods = [...methods, ...protoMethods].map((m) => triple.methodCodec(m));
function payloadSeeds() {
  const req = protoRoot.lookupType('meshlet.test.EchoRequest');
  const reply = protoRoot.lookupType('meshlet.test.EchoReply');
  return [
    Buffer.from(req.encode(req.fromObject({ text: 'hello', id: 42, blob: Buffer.from([1, 2, 3]), tags: { a: 'b' }, scores: [1.5, -2] })).finish()),
    Buffer.from(reply.encode(reply.fromObject({ text: 'hi', id: -1, length: 7 })).finish()),
    ...latin1('"hello"', '["hello"]', '[1,-9007199254740993,"x",["a"],1.5,true,"AAEC",{"k":"1"},null,7,[1,"x"]]',
      '{"k":[{"id":"1","name":"n","tags":["t"],"attrs":{"a":"b"},"active":true,"score":0.5}]}', '{"a":{"b":[1,{"c":null}]}}'),
  ];
}

// ---- the targets -----------------------------------------------------------------------------

const flavours = new Flavours(hessian2Draft);
const boltMethods = methods.map((m) => compileClientMethod(Svc, m, 'fuzz'));
const serializations = new motan.Serializations();
const motanCalls = [serializations.simple, serializations.breeze].flatMap((s) => methods.map((m) => motan.prepareCall(Svc, m, s, 'fuzz')));
const codecs = relayCodecs(agentProtocols());

function hessianValues(bytes, Reader) {
  const r = new Reader(bytes, 0, bytes.length);
  const out = [];
  while (!r.atEnd && out.length < 64) out.push(r.readValue());
  return out;
}

/**
 * A framed protocol's target: its seeds and dictionary, the input cut into frames by the protocol's
 * own splitter, and `onFrame(frame, results)` run on each (pushing outcomes into `results`).
 */
function frameTarget(protocol, splitter, onFrame) {
  return {
    seeds: () => seeds[protocol], dict: dicts[protocol],
    run(input) {
      const results = [];
      frames(splitter, input, (frame) => onFrame(frame, results));
      return results;
    },
  };
}

/** name → { seeds, dict, run(input) }; `run` returns the outcomes, throws only for findings. */
export const targets = {
  'dubbo-frames': frameTarget('dubbo', dubbo.dubboSplitter, (frame, results) => {
    const h = dubbo.parseHeader(frame);
    if ((frame[2] & 0x80) !== 0) {
      each(results, () => {
        const r = new HessianReader(frame, 16, frame.length);
        const head = dubbo.readRequestHead(r);
        const args = [];
        for (let i = 0; i < 64 && !r.atEnd; i++) args.push(r.readValue());
        return [head, args];
      });
    } else {
      for (const m of methods) each(results, () => dubbo.decodeResponse(frame, m));
    }
    results.push(h.status);
  }),
  'bolt-frames': frameTarget('bolt', bolt.boltSplitter, (frame, results) => {
    each(results, () => {
      const f = bolt.parseFrame(frame);
      if (f.headerLength > 0) results.push(bolt.decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength));
      if (f.type === bolt.TYPE_RESPONSE) {
        for (const cm of boltMethods) each(results, () => boltDecodeResponse(frame, cm, flavours));
      } else if (f.contentLength > 0) {
        const end = f.contentStart + f.contentLength;
        for (const reader of [flavours.reader(frame, f.contentStart, end), new HessianReader(frame, f.contentStart, end)]) {
          each(results, () => readSofaRequest(reader));
        }
      }
      return f.type;
    });
  }),
  'motan-frames': frameTarget('motan', motan.motanSplitter, (frame, results) => {
    const h = motan.parseHeader(frame);
    const metaEnd = META_START + h.metaLength;
    each(results, () => motan.readMeta(frame, META_START, metaEnd));
    if (h.response) {
      for (const call of motanCalls) each(results, () => motan.decodeResponse(frame, call, serializations, MAX_FRAME));
    } else {
      for (const call of motanCalls) each(results, () => call.codec.readArgs(bodyReader(frame, metaEnd + 4, MAX_FRAME)));
    }
  }),
  'motan-values': {
    seeds: () => seeds.motanValues, dict: [...[...Array(0x20).keys()].map((b) => Buffer.from([b])), ...dicts.motan],
    run(input) {
      const results = [];
      for (const s of [serializations.simple, serializations.breeze]) {
        for (const desc of descriptors) {
          each(results, () => s.read(new motan.ByteReader(input, 0, input.length), desc));
        }
      }
      return results;
    },
  },
  'rsocket-frames': {
    seeds: rsocketSeeds, dict: dicts.rsocket,
    run(input) {
      const results = [];
      const out = [];
      try {
        framesBy(() => new rsocketFrames.FrameReader(MAX_FRAME), input, (f) => out.push(f));
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        results.push(err);
      }
      // Fragments (FOLLOWS) go through the connection's reassembly, as tcp-connection.ts does.
      const reassembler = new Reassembler(MAX_FRAME, (first, error) => results.push(error));
      for (const bytes of out) {
        each(results, () => {
          let frame;
          try {
            frame = deserializeFrame(bytes, BufferEncoders);
          } catch (err) {
            // What the connection does (tcp-connection.ts): a frame rsocket-core cannot read is PROTOCOL.
            throw new RpcError(Code.Protocol, `malformed RSocket frame: ${err.message}`);
          }
          if (frame.streamId !== 0) frame = reassembler.accept(frame, bytes.length);
          if (frame === undefined) return 'fragment';
          const metadata = frame.metadata ?? null;
          if (metadata !== null) {
            each(results, () => rsocket.decodeRequestMetadata(metadata, rsocket.COMPOSITE_MIME));
            each(results, () => rsocket.decodeRequestMetadata(metadata, rsocket.ROUTING_MIME));
            each(results, () => rsocket.decodeMeshlet(metadata));
            each(results, () => rsocket.decodeRoutes(metadata));
            each(results, () => rsocket.decodeMimeType(metadata));
          }
          return frame.type;
        });
      }
      return results;
    },
  },
  hessian: {
    seeds: () => seeds.hessian, dict: dicts.hessian,
    run(input) {
      const results = [];
      each(results, () => hessianValues(input, HessianReader));
      each(results, () => hessianValues(input, DraftHessianReader));
      for (const m of methods) {
        each(results, () => {
          const r = new HessianReader(input, 0, input.length);
          return m.params.map((p) => r.readTyped(p));
        });
        each(results, () => new HessianReader(input, 0, input.length).readTyped(m.returns));
      }
      for (const desc of descriptors) each(results, () => new HessianReader(input, 0, input.length).readTyped(desc));
      return results;
    },
  },
  'agent-relay': {
    seeds: () => [...seeds.dubbo, ...seeds.bolt, ...seeds.motan], dict: [...dicts.dubbo, ...dicts.bolt, ...dicts.motan],
    run(input) {
      // The agent's port sniffs the protocol by the first byte, then relays frame by frame.
      const results = [];
      const codec = codecs.find((c) => c.firstBytes.includes(input[0]));
      if (codec === undefined) return ['not sniffed'];
      frames(codec.splitter, input, (frame) => {
        const kind = codec.kind(frame);
        results.push(kind);
        if (kind === 'heartbeat') each(results, () => codec.heartbeatReply(frame));
        if (kind !== 'request') {
          // What comes back upstream goes through the relay's client codec.
          each(results, () => {
            const c = codec.clientCodec();
            const k = c.classify(frame);
            return [k, c.decodeResponse(Buffer.from(frame), null)];
          });
          return;
        }
        each(results, () => {
          const info = codec.inspect(frame);
          const [high, low] = codec.idOf(frame);
          const req = new RelayRequest(codec, Buffer.from(frame), info, 'egress', Date.now() + 1000);
          const sent = codec.forward(req, 7, 9, { 'x-trace': 'abc' });
          req.sent = true;
          codec.forward(req, 0, 11, undefined);
          codec.restoreId(Buffer.from(sent), high, low);
          codec.errorReply(frame, high, low, new RpcError(Code.Unavailable, 'no provider'));
          return [info, codec.oneway(frame)];
        });
      });
      return results;
    },
  },
  'payloads': {
    seeds: payloadSeeds, dict: [...latin1('{', '}', '[', ']', '"', '\\u', 'null', 'true', '1e308', '-0', '9007199254740993'),
      ...[0x08, 0x0a, 0x10, 0x12, 0x1a, 0x22, 0x29, 0x2a, 0x30, 0xff].map((b) => Buffer.from([b]))],
    run(input) {
      const results = [];
      for (const codec of payloadMethods) {
        each(results, () => codec.decodeArgs(input));
        each(results, () => codec.decodeResult(input));
      }
      for (const b of protoBindings) each(results, () => b.decode(input));
      return results;
    },
  },
  'triple-messages': {
    // An HTTP/2 stream's DATA as the Triple transport reads it: gRPC length-prefixed messages (plain
    // and gzip, in one read and in 7-byte reads), each through every method codec (Dubbo's wrapped
    // hessian2 mode, protobuf), the Java-exception reading, the status / header decoders, and the
    // relay's route from :path.
    seeds: () => [
      triple.frameMessage(triple.encodeRequestWrapper({ serializeType: 'hessian4', args: [Buffer.from([0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f])], argTypes: ['java.lang.String'] }), false),
      triple.frameMessage(triple.encodeResponseWrapper({ serializeType: 'hessian4', data: Buffer.from([0x4e]), type: 'java.lang.String' }), true),
      triple.encodeRpcStatus({ code: 3, message: 'bad', details: [{ typeUrl: 'type.googleapis.com/x', value: Buffer.from([1]) }] }),
      ...latin1('1500m', 'caf%C3%A9 %zz'),
    ],
    dict: [...latin1('hessian4', 'java.lang.String', '%', 'm', 'S', 'u'), ...[0x00, 0x01, 0x0a, 0x12, 0x1a, 0x1f, 0x8b].map((b) => Buffer.from([b]))],
    run(input) {
      const results = [];
      for (const encoding of [undefined, 'gzip']) {
        const messages = [];
        each(results, () => messages.push(...new triple.MessageReader(1 << 16, encoding).push(input)));
        const reader = new triple.MessageReader(1 << 16, encoding);
        for (let i = 0; i < input.length; i += 7) each(results, () => reader.push(input.subarray(i, i + 7)).length);
        for (const m of [...messages, input]) {
          for (const codec of tripleMethods) {
            each(results, () => codec.decodeArgs(m));
            each(results, () => codec.decodeResult(m));
          }
          results.push(triple.decodeJavaException(m).code);
        }
      }
      each(results, () => triple.decodeRpcStatus(input));
      const text = input.toString('latin1');
      results.push(triple.decodeGrpcMessage(text), triple.parseTimeout(text));
      // The route a proxy reads from a stream's headers (the agent's Triple relay).
      const route = triple.tripleRoute({ ':path': text, 'tri-service-version': text });
      results.push(route instanceof Error ? route.code : `${route.service.interface}\n${route.method}`);
      return results;
    },
  },
  'cli-target': {
    // What an operator types: `meshlet invoke <url|interface> ...`. A usage error is the CLI's typed error.
    seeds: () => latin1('dubbo://127.0.0.1:20880/com.acme.Echo?version=1.0&group=g', 'bolt://h:12200/com.acme.Echo?uniqueId=u',
      'motan://[::1]:8002/com.acme.Echo', 'rsocket://h:7000/?interface=com.acme.Echo', 'com.acme.Echo'),
    dict: dicts.url,
    run(input) {
      const s = input.toString('utf8');
      const results = [];
      for (const env of [{}, { MESHLET_REGISTRY: 'local://' }]) {
        try {
          results.push(parseTarget(s, {}, env));
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          results.push('usage');
        }
      }
      return results;
    },
  },
  'registry-urls': {
    seeds: () => latin1(
      'zookeeper://127.0.0.1:2181,127.0.0.2:2182/root?layout=dubbo&sessionTimeout=30000',
      'zk://user:p%40ss@[::1]:2181?layouts=dubbo,sofa,motan',
      'redis://:secret@127.0.0.1:6379/2?prefix=dubbo',
      'redis+sentinel://h1:26379,h2:26379/mymaster?db=1',
      'rediss+cluster://a:7000,b:7001',
      'local:///tmp/meshlet-registry',
      'static://10.0.0.1:20880,[::1]:20881?protocol=dubbo',
      'static://dubbo://10.0.0.1:20880,bolt://10.0.0.2:12200',
      'memory://shared%20store',
    ), dict: [...dicts.url, ...latin1('static://', 'memory://', 'sessionTimeout=', 'prefix=', 'db=', 'layout=', 'digest=')],
    run(input) {
      const s = input.toString('utf8');
      const results = [];
      each(results, () => registry.parseZookeeperUrl(s));
      each(results, () => registry.parseRedisUrl(s));
      each(results, () => registry.javaUrlDecode(s));
      each(results, () => redisSettings(s));
      each(results, () => zookeeperSettings(s));
      // createRegistry for the schemes whose constructors only parse (local touches the disk, redis
      // and zookeeper are covered by their settings above).
      const scheme = /^\s*([a-z][a-z0-9+.-]*)/i.exec(s)?.[1]?.toLowerCase();
      if (scheme === 'memory' || scheme === 'static') each(results, () => registry.createRegistry(s).constructor.name);
      return results;
    },
  },
  'provider-urls': {
    seeds: () => latin1(
      'dubbo://10.0.0.1:20880/org.apache.dubbo.demo.DemoService?anyhost=true&application=demo&interface=org.apache.dubbo.demo.DemoService&methods=sayHello&version=1.0.0&group=g&weight=100',
      'bolt://10.0.0.2:12200/com.meshlet.Echo:1.0?uniqueId=g&serialization=hessian2&weight=100&startTime=1700000000000',
      'motan2://10.0.0.3:8002/com.meshlet.Echo?group=conformance&version=1.0&serialization=simple&nodeType=service',
      'rsocket://10.0.0.4:7000/com.meshlet.Echo?version=1.0',
      'dubbo%3A%2F%2F10.0.0.1%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fversion%3D1.0.0%26interface%3Dorg.apache.dubbo.demo.DemoService',
      'bolt%3A%2F%2F10.0.0.2%3A12200%2Fcom.meshlet.Echo%3Fversion%3D1.0%26uniqueId%3Dg',
      '10.0.0.3:8002',
    ), dict: dicts.url,
    run(input) {
      const s = input.toString('utf8');
      const results = [];
      for (const fn of [dubbo.fromDubboUrl, bolt.fromSofaUrl, motan.fromMotanUrl, rsocket.fromRSocketUrl, registry.parseServiceUrl,
        registry.parseDubboProvider, registry.parseSofaProvider, decodeEntry]) {
        each(results, () => fn(s));
      }
      // ZooKeeper children: node names (URL-encoded in Dubbo's and SOFA's layouts, host:port in motan's) and data.
      for (const [name, layout] of Object.entries(registry.defaultZookeeperLayouts())) {
        each(results, () => layout.parseProvider({ name: s, data: input }, `/${name}/com.meshlet.Echo/providers`));
      }
      each(results, () => registry.parseMotanProvider({ name: s, data: input }, '/motan/conformance/com.meshlet.Echo/server'));
      return results;
    },
  },
  'nacos-answers': {
    // What a Nacos server answers the registry: an instance list (its hosts read as Dubbo endpoints
    // and as Dubbo 3 application instances) and a config listener answer (the changed configs).
    seeds: () => [readFileSync(join(root, 'packages', 'registry', 'src', 'fixtures', 'nacos-java-app-instance.json')),
      ...latin1('{"hosts":[{"ip":"10.0.0.1","port":20880,"weight":1.0,"healthy":true,"enabled":true,"metadata":{"protocol":"dubbo","path":"a.B","version":"1.0","weight":"100"}}]}',
        'a.B%02mapping%01\n', 'a.B%02mapping%02ns%01c%02g%01')],
    dict: latin1('"hosts"', '"ip"', '"port"', '"metadata"', '"healthy"', '"weight"', 'dubbo.endpoints', 'dubbo.metadata.revision', 'dubbo.metadata-service.url-params', '%02', '%01', '\\"'),
    run(input) {
      const s = input.toString('utf8');
      const results = [];
      each(results, () => nacosListener.parseChanged(s));
      let hosts = [];
      try {
        const o = JSON.parse(s);
        hosts = Array.isArray(o?.hosts) ? o.hosts : [o];
      } catch {
        // the registry drops an answer that is not JSON
      }
      for (const h of hosts) {
        each(results, () => nacosApp.appInstanceOf('app', h));
        each(results, () => nacosDubbo.dubboEndpoint(h));
      }
      return results;
    },
  },
  'nacos-grpc-payloads': {
    // What a Nacos 2.x server sends on the gRPC connection: a Payload (protobuf), its JSON body
    // checked as a response and, for a push, its serviceInfo's hosts read as Dubbo endpoints.
    seeds: () => [
      nacosPayload.encodePayload(nacosPayload.jsonPayload('NotifySubscriberRequest', { requestId: '1', serviceInfo: { name: 'providers:a.B::', groupName: 'DEFAULT_GROUP', hosts: [{ ip: '10.0.0.1', port: 20880, weight: 1, healthy: true, enabled: true, metadata: { protocol: 'dubbo', path: 'a.B' } }] } }, { accessToken: 't' })),
      nacosPayload.encodePayload(nacosPayload.jsonPayload('ErrorResponse', { resultCode: 500, errorCode: 403, message: 'unknown user!' })),
    ],
    dict: latin1('"serviceInfo"', '"hosts"', '"resultCode"', '"errorCode"', '"requestId"', '\x12', '\x1a', '\x3a'),
    run(input) {
      const results = [];
      let payload;
      try {
        payload = nacosPayload.decodePayload(input);
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        return [err];
      }
      results.push(payload);
      let body;
      try {
        body = nacosPayload.payloadJson(payload);
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        return [...results, err];
      }
      each(results, () => nacosGrpcErrors.checkResponse(payload.type, body));
      const hosts = body.serviceInfo?.hosts;
      if (Array.isArray(hosts)) for (const h of hosts) each(results, () => nacosDubbo.dubboEndpoint(h));
      return results;
    },
  },
  'routing-rules': {
    seeds: () => latin1(
      'configVersion: v3.0\nscope: service\nkey: demo.Echo\nforce: false\nconditions:\n  - method = find*,list* & arguments[0] = x => host = 10.20.* & port != 20880\n  - => host = $host\n',
      'conditions:\n  - host = 10.0.0.9 => false\n  - attachments[lane] = blue => lane = blue & port = 1~30000\n',
      'configVersion: v3.0\nforce: true\ntags:\n  - name: gray\n    match:\n      - key: env\n        value: { exact: gray }\n  - name: team1\n    addresses: ["10.20.0.1:20880", "10.0.*.1-9", "10.0.0.0/8"]\n',
    ), dict: latin1('conditions:', 'tags:', '  - ', '=>', ' = ', ' != ', ',', ' & ', '*', '$host', '~', 'arguments[0]', 'attachments[k]', 'method', 'force: true', 'enabled: false', 'configVersion: v3.0', 'name: ', 'addresses: [', 'match:', 'regex: ', '&a ', '*a', '\n'),
    run(input) {
      const s = input.toString('utf8');
      const results = [];
      each(results, () => routingRoute(s));
      return results;
    },
  },
  'xds-resources': {
    // What a control plane sends an xDS client: a SotW or delta response, and each resource in it as
    // every type the client subscribes to (decoded with Envoy's protos, Anys unpacked, validated).
    seeds: () => {
      const r = xds.envoyRoot();
      const any = (typeUrl, o) => { const T = r.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1)); return { type_url: typeUrl, value: Buffer.from(T.encode(T.fromObject(o)).finish()) }; };
      const router = any('type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', {});
      const hcm = any('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', { rds: { routeConfigName: 'r', configSource: { ads: {} } }, httpFilters: [{ name: 'router', typedConfig: router }] });
      const resources = [any(xds.LISTENER, { name: 'l', apiListener: { apiListener: hcm } }), any(xds.CLUSTER, { name: 'c', type: 'EDS', lbPolicy: 'RING_HASH' }),
        any(xds.CLUSTER_LOAD_ASSIGNMENT, { clusterName: 'c', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 80 } } } }] }] })];
      return resources.flatMap((res) => [res.value, xdsMessages.encodeSotwResponse({ versionInfo: '1', typeUrl: res.type_url, nonce: 'n', resources: [res] }),
        xdsMessages.encodeDeltaResponse({ systemVersionInfo: '', typeUrl: res.type_url, nonce: 'n', removedResources: ['x'], resources: [{ name: 'c', version: '1', resource: res }] })]);
    },
    dict: [...latin1('type.googleapis.com/', 'envoy.config.cluster.v3.Cluster', 'envoy.config.listener.v3.Listener', 'envoy.service.discovery.v3.Resource'),
      ...[0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x32, 0x3a].map((b) => Buffer.from([b]))],
    run(input) {
      const results = [];
      each(results, () => xdsMessages.decodeSotwResponse(input).resources.length);
      each(results, () => xdsMessages.decodeDeltaResponse(input).resources.length);
      for (const typeUrl of xds.RESOURCE_TYPES) {
        each(results, () => xds.decodeResource({ type_url: typeUrl, value: input }, typeUrl).name);
        each(results, () => xds.decodeResource({ type_url: 'type.googleapis.com/envoy.service.discovery.v3.Resource', value: input }, typeUrl).name);
      }
      return results;
    },
  },
};

export const targetNames = Object.keys(targets);
