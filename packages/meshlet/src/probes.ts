import type { FrameSplitter } from '@meshlet/core';
import type { HeartbeatProbe } from '@meshlet/registry';
import {
  boltSplitter, buildFrame, CMD_HEARTBEAT, CODEC_HESSIAN, frameCmd, frameId, frameType, TYPE_REQUEST, TYPE_RESPONSE, V1,
} from '@meshlet/transport-bolt';
import { dubboSplitter, encodeHeartbeatRequest } from '@meshlet/transport-dubbo';
import { encodeHeartbeat, motanSplitter, MsgType, Serialization } from '@meshlet/transport-motan';

const EMPTY = Buffer.alloc(0);

/**
 * The heartbeat of each protocol, as the sidecar health check sends it: the transports' own
 * request frames, and a reply is the matching heartbeat response with the same request id (Java
 * motan's weibomesh registry checks its agent the same way, motan.md §1.9).
 */
export function heartbeatProbe(protocol: string): HeartbeatProbe | undefined {
  switch (protocol) {
    case 'dubbo':
      return framed('dubbo', dubboSplitter, (id) => encodeHeartbeatRequest(0, id), (f, id) =>
        (f[2]! & 0x80) === 0 && (f[2]! & 0x20) !== 0 && f.readUInt32BE(4) === 0 && f.readUInt32BE(8) === id);
    case 'bolt':
      return framed('bolt', boltSplitter, (id) => buildFrame(V1, TYPE_REQUEST, CMD_HEARTBEAT, id, CODEC_HESSIAN, -1, EMPTY, EMPTY, EMPTY), (f, id) =>
        frameType(f) === TYPE_RESPONSE && frameCmd(f) === CMD_HEARTBEAT && frameId(f) === id);
    case 'motan2':
      return framed('motan2', motanSplitter, (id) => encodeHeartbeat(0, id, Serialization.SIMPLE), (f, id) =>
        (f[2]! & MsgType.RESPONSE) !== 0 && (f[2]! & MsgType.HEARTBEAT) !== 0 && f.readUInt32BE(9) === id);
    default:
      return undefined;
  }
}

function framed(protocol: string, splitter: FrameSplitter, request: (id: number) => Uint8Array, isReply: (frame: Buffer, id: number) => boolean): HeartbeatProbe {
  let id = 0;
  return {
    protocol,
    request() {
      id = 1 + Math.floor(Math.random() * 0x7ffffffe);
      return request(id);
    },
    reply(bytes) {
      if (bytes.length < splitter.headerLength) return 'more';
      let length: number;
      try {
        length = splitter.frameLength(bytes, 0);
      } catch {
        return 'bad';
      }
      // The splitters answer a lower bound above what is there until the frame is complete.
      if (bytes.length < length) return 'more';
      return isReply(bytes.subarray(0, length), id) ? 'reply' : 'bad';
    },
  };
}
