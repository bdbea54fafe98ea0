// Targets with planted bugs, to prove the fuzzer finds each kind of finding (test/fuzz only): a
// thrown TypeError, a hang and a heap blow-up, each behind a token the mutator has to place; and a
// frame reader that loses a frame's last byte when it arrives alone, which only the differential
// check of framesBy (one read against small reads) can see.
import { Code, RpcError } from '@meshlet/core';
import { FrameReader } from '@meshlet/core/engine';
import { framesBy } from './targets.js';

const has = (input, token) => input.includes(Buffer.from(token, 'latin1'));

export const targets = {
  'planted-exception': {
    seeds: () => [Buffer.from('hello world')], dict: [Buffer.from('BUG')],
    run(input) {
      if (has(input, 'BUG')) return input.nothing.length; // TypeError
      if (input.length > 20) throw new RpcError(Code.Protocol, 'too long');
      return input.length;
    },
  },
  'planted-hang': {
    seeds: () => [Buffer.from('hello world')], dict: [Buffer.from('LOOP')],
    run(input) {
      if (has(input, 'LOOP')) for (;;) { /* never returns */ }
      return input.length;
    },
  },
  'planted-oom': {
    seeds: () => [Buffer.from('hello world')], dict: [Buffer.from('GROW')],
    run(input) {
      if (has(input, 'GROW')) {
        const hoard = [];
        for (;;) hoard.push(new Array(100_000).fill(hoard.length));
      }
      return input.length;
    },
  },
  'planted-reader': {
    seeds: () => [Buffer.from('0005abc0006defg')], dict: [Buffer.from('0003')],
    run(input) {
      // Frames: a 4-digit decimal length (the whole frame's), then the rest.
      const splitter = {
        headerLength: 4,
        frameLength(buf, offset) {
          const n = Number(buf.toString('latin1', offset, offset + 4));
          if (!Number.isInteger(n)) throw new RpcError(Code.Protocol, 'not a length');
          return n;
        },
      };
      const buggy = () => {
        const reader = new FrameReader(splitter, 1 << 16);
        return { push: (chunk, onFrame) => (chunk.length === 1 && reader.buffered === 0 ? undefined : reader.push(chunk, onFrame)) };
      };
      const frames = [];
      framesBy(buggy, input, (f) => frames.push(f.length));
      return frames;
    },
  },
};

export const targetNames = Object.keys(targets);
