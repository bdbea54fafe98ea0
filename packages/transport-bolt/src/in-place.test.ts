import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInvocation, defineService, t } from '@meshlet/core';
import { hessian2, hessian2Draft } from '@meshlet/hessian';
import { CMD_REQUEST, CMD_RESPONSE, CODEC_HESSIAN, Status, TYPE_REQUEST, TYPE_RESPONSE } from './constants.js';
import { buildFrame, crcValid, parseFrame, V1, V2, V2_CRC } from './frame.js';
import { compileClientMethod, encodeRequest, REQUEST_CLASS_BYTES } from './request.js';
import {
  encodeExceptionResponse, encodeFrameworkErrorResponse, encodeStatusResponse, encodeValueResponse, ERROR_HEADER,
  RESPONSE_CLASS_BYTES, resultEncoder,
} from './response.js';

/**
 * Hessian content is written behind room for the frame's head, which is filled in afterwards
 * (`finishInPlace`): these frames must equal the copying `buildFrame` of the same parts, in every
 * shape, for small contents (copied out of the writer) and large ones (the writer's buffer handed
 * over), and stay intact when the writer goes on to the next message.
 */

const Echo = defineService({
  interface: 'com.example.EchoService',
  version: '1.0',
  methods: { echo: { params: [t.string], returns: t.string } },
});
const echo = Echo.methods.get('echo')!;
const cm = compileClientMethod(Echo, echo, 'demo-client');
const SHAPES = [['v1', V1], ['v2', V2], ['v2-crc', V2_CRC]] as const;
const SIZES = [0, 1024, 200 * 1024]; // 200 KiB: past the writer's hand-over size

function contentOf(frame: Buffer): Buffer {
  const f = parseFrame(frame);
  return frame.subarray(f.contentStart, f.contentStart + f.contentLength);
}

function headerOf(frame: Buffer): Buffer {
  const f = parseFrame(frame);
  return frame.subarray(f.headerStart, f.headerStart + f.headerLength);
}

for (const dialect of [hessian2Draft, hessian2]) {
  for (const [name, shape] of SHAPES) {
    test(`requests written in place equal the copied frame (${dialect.name}, ${name})`, () => {
      const w = dialect.createWriter();
      const frames: [Buffer, Buffer][] = [];
      for (const size of SIZES) {
        const attachments: Record<string, string> = size === 1024 ? { 'rpc_trace_context.sofaTraceId': 'abc', custom: 'é' } : {};
        const inv = createInvocation(Echo, echo, ['x'.repeat(size) + 'é'], { attachments });
        const frame = encodeRequest(w, shape, 7 + size, cm, inv, 3000);
        const f = parseFrame(frame);
        assert.deepEqual([f.proto, f.type, f.cmd, f.id, f.codec, f.timeout], [shape.proto, TYPE_REQUEST, CMD_REQUEST, 7 + size, CODEC_HESSIAN, 3000]);
        assert.ok(crcValid(frame));
        const copied = buildFrame(shape, TYPE_REQUEST, CMD_REQUEST, 7 + size, CODEC_HESSIAN, 3000, REQUEST_CLASS_BYTES, headerOf(frame), contentOf(frame));
        assert.ok(frame.equals(copied), `${size}-character argument`);
        frames.push([frame, Buffer.from(frame)]);
      }
      // Each frame is the caller's: later messages on the same writer did not touch it.
      for (const [frame, snapshot] of frames) assert.ok(frame.equals(snapshot));
    });

    test(`replies written in place equal the copied frame (${dialect.name}, ${name})`, () => {
      const w = dialect.createWriter();
      const encode = resultEncoder(t.string);
      const replies: [Buffer, Buffer, number, Buffer, Buffer][] = [];
      for (const size of SIZES) {
        const frame = encodeValueResponse(w, shape, size, 'y'.repeat(size), encode);
        replies.push([frame, Buffer.from(frame), Status.SUCCESS, RESPONSE_CLASS_BYTES, Buffer.alloc(0)]);
      }
      const err = encodeExceptionResponse(w, shape, 1, 'java.lang.IllegalStateException', 'no');
      replies.push([err, Buffer.from(err), Status.SUCCESS, RESPONSE_CLASS_BYTES, ERROR_HEADER]);
      const fw = encodeFrameworkErrorResponse(w, shape, 2, 'Cannot find invoker of service');
      replies.push([fw, Buffer.from(fw), Status.SUCCESS, RESPONSE_CLASS_BYTES, ERROR_HEADER]);
      const st = encodeStatusResponse(w, shape, 3, Status.SERVER_DESERIAL_EXCEPTION, 'bad');
      replies.push([st, Buffer.from(st), Status.SERVER_DESERIAL_EXCEPTION, Buffer.from('com.alipay.remoting.rpc.exception.RpcServerException'), Buffer.alloc(0)]);
      for (const [frame, snapshot, status, cls, header] of replies) {
        assert.ok(frame.equals(snapshot), 'untouched by later replies');
        assert.ok(crcValid(frame));
        const f = parseFrame(frame);
        assert.deepEqual([f.type, f.cmd, f.status], [TYPE_RESPONSE, CMD_RESPONSE, status]);
        assert.ok(frame.equals(buildFrame(shape, TYPE_RESPONSE, CMD_RESPONSE, f.id, CODEC_HESSIAN, status, cls, header, contentOf(frame))));
      }
    });
  }
}
