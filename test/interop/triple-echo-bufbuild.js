// The Echo service of triple-echo-fixture.js as @bufbuild/protobuf v1 runtime types, the form both
// connect-es 1.x and dubbo-js v3 take (no protoc codegen: the same fields, built at runtime).
import { MethodKind, ScalarType, proto3 } from '@bufbuild/protobuf';

const str = (no, name) => ({ no, name, kind: 'scalar', T: ScalarType.STRING });
const int = (no, name) => ({ no, name, kind: 'scalar', T: ScalarType.INT32 });
export const EsReq = proto3.makeMessageType('meshlet.interop.Req', () => [str(1, 'name'), int(2, 'count'), int(3, 'size')]);
export const EsRep = proto3.makeMessageType('meshlet.interop.Rep', () => [str(1, 'text'), int(2, 'index')]);
/** A detail message a connect-es server attaches to an error (ConnectError only sends Messages). */
export const EsNote = proto3.makeMessageType('meshlet.interop.Note', () => [str(1, 'note')]);

const m = (name, kind) => ({ name, I: EsReq, O: EsRep, kind });
export const EsEcho = {
  typeName: 'meshlet.interop.Echo',
  methods: {
    hello: m('Hello', MethodKind.Unary),
    count: m('Count', MethodKind.ServerStreaming),
    fail: m('Fail', MethodKind.Unary),
    slow: m('Slow', MethodKind.Unary),
    slowStream: m('SlowStream', MethodKind.ServerStreaming),
    big: m('Big', MethodKind.Unary),
    sum: m('Sum', MethodKind.ClientStreaming),
    chat: m('Chat', MethodKind.BiDiStreaming),
  },
};
