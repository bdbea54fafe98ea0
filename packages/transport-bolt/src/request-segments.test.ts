import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineService, t } from '@meshlet/core';
import { encoderFor, hessian2, hessian2Draft, type HessianWriter } from '@meshlet/hessian';
import { SOFA_REQUEST_CLASS } from './constants.js';
import { bodyPropsOf } from './props.js';
import { compileClientMethod, REQUEST_FIELDS, writeSofaRequest, type ClientMethod } from './request.js';

/**
 * `writeSofaRequest` writes a method's constant strings as bytes encoded once per flavour. The
 * oracle here writes every field through the writer, string by string: the bytes must be the same,
 * and so must the writer's reference, class and type numbering for what follows (arguments that
 * define classes, repeat `[string` and refer back to an earlier object).
 */

const Point = t.object('com.example.Point', { x: t.int32, y: t.int32 });
const Svc = defineService({
  interface: 'com.example.geometry.ShapeService', // past 31 characters: the dialects write it differently
  version: '2.0',
  group: 'eu',
  methods: {
    move: { params: [t.array(t.string), Point, Point, t.list(t.any)], returns: t.string },
    ping: { params: [], returns: t.void, oneway: true },
  },
});

function oracle(w: HessianWriter, cm: ClientMethod, args: readonly unknown[], attachments: Record<string, string>): Buffer {
  w.reset();
  w.objectBegin(SOFA_REQUEST_CLASS, REQUEST_FIELDS);
  if (cm.targetApp === null) w.writeNull();
  else w.writeString(cm.targetApp);
  w.writeString(cm.method.name);
  w.writeString(cm.uniqueName);
  w.mapBegin(null);
  for (const [k, v] of cm.props) {
    w.writeString(k);
    w.writeString(v);
  }
  for (const [k, v] of bodyPropsOf(attachments) ?? []) {
    w.writeString(k);
    w.writeValue(v);
  }
  w.mapEnd();
  w.listBegin(cm.sigs.length, '[string');
  for (const s of cm.sigs) w.writeString(s);
  w.listEnd();
  w.objectEnd();
  cm.method.params.forEach((p, i) => encoderFor(p)(w, args[i]));
  return w.finishCopy();
}

for (const dialect of [hessian2Draft, hessian2]) {
  test(`SofaRequest from encoded-once strings equals one written field by field (${dialect.name})`, () => {
    const p = { x: 1, y: 2 };
    const cases: [ClientMethod, unknown[], Record<string, string>][] = [
      [compileClientMethod(Svc, Svc.methods.get('move')!, 'app-é', 'target-app'), [['a', 'b'], p, p, [p, 'z']], {}],
      [compileClientMethod(Svc, Svc.methods.get('move')!, undefined), [['a'], p, { x: 3, y: 4 }, []], {
        'rpc_trace_context.sofaTraceId': '0a1b', 'rpc_trace_context.sofaRpcId': '0.1', custom: 'vé',
      }],
      [compileClientMethod(Svc, Svc.methods.get('ping')!, 'app'), [], { k: 'v' }],
    ];
    const w = dialect.createWriter();
    const reference = dialect.createWriter();
    for (const [cm, args, attachments] of cases) {
      // Twice: the second call takes the segments the first one encoded.
      for (let i = 0; i < 2; i++) {
        w.reset();
        writeSofaRequest(w, cm, args, attachments);
        assert.equal(w.finish().toString('hex'), oracle(reference, cm, args, attachments).toString('hex'), `${cm.method.name} call ${i}`);
      }
    }
  });
}
