// The Echo service every Triple interop suite speaks (grpc-js, connect-es, dubbo-js): its schema,
// limits, and the Meshlet provider's handlers, so each peer is held to the same exact values.
import protobuf from 'protobufjs';
import { Code, RpcError, currentCall, defineService } from '@meshlet/core';
import { GrpcStatus, protobufMethods, withStatusDetails } from '@meshlet/transport-triple';

export const root = protobuf.parse(`
syntax = "proto3";
package meshlet.interop;
message Req { string name = 1; int32 count = 2; int32 size = 3; }
message Rep { string text = 1; int32 index = 2; }
service Echo {
  rpc Hello (Req) returns (Rep);
  rpc Count (Req) returns (stream Rep);
  rpc Fail (Req) returns (Rep);
  rpc Slow (Req) returns (Rep);
  rpc SlowStream (Req) returns (stream Rep);
  rpc Big (Req) returns (Rep);
  rpc Sum (stream Req) returns (Rep);
  rpc Chat (stream Req) returns (stream Rep);
}
`).root;
export const Req = root.lookupType('meshlet.interop.Req');
export const Rep = root.lookupType('meshlet.interop.Rep');
export const Echo = defineService({ interface: 'meshlet.interop.Echo', methods: protobufMethods(root.lookupService('meshlet.interop.Echo')) });

export const MiB16 = 16 * 1024 * 1024;
export const BIG_LIMIT = MiB16 + 1024;
export const DETAIL = { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from('detail-bytes') };
export const FAIL_MESSAGE = 'order 42 not found: ü%';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Meshlet's Echo implementation; `seen` records what the provider observed (deadline left, producer stopped and how often). */
export function echoHandlers(seen) {
  return {
    Hello: (req) => {
      seen.deadlineLeft = currentCall().deadline - Date.now();
      return { text: `Hello ${req.name}`, index: 0 };
    },
    async *Count(req) {
      for (let i = 0; i < req.count; i++) yield { text: req.name, index: i };
    },
    Fail: () => {
      throw withStatusDetails(new RpcError(Code.Business, FAIL_MESSAGE), [DETAIL], GrpcStatus.NOT_FOUND);
    },
    Slow: async () => {
      await sleep(2000);
      return { text: 'late', index: 0 };
    },
    async *SlowStream() {
      try {
        for (let i = 0; ; i++) {
          yield { text: 'tick', index: i };
          await sleep(20);
        }
      } finally {
        seen.slowStreamStopped = true;
        seen.slowStreamStops = (seen.slowStreamStops ?? 0) + 1;
      }
    },
    Big: (req) => ({ text: 'b'.repeat(req.size), index: 1 }),
    async Sum(reqs) {
      let total = 0;
      for await (const r of reqs) total += r.count;
      return { text: 'sum', index: total };
    },
    async *Chat(reqs) {
      for await (const r of reqs) yield { text: r.name.toUpperCase(), index: r.count };
    },
  };
}

/** Waits (bounded) until seen[key] turns true; the caller asserts on it. */
export async function until(seen, key, ms = 3000) {
  const end = Date.now() + ms;
  while (!seen[key] && Date.now() < end) await sleep(10);
  return seen[key];
}
