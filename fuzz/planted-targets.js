// Targets with planted bugs, to prove the fuzzer finds each kind of finding (test/fuzz only): a
// thrown TypeError, a hang and a heap blow-up, each behind a token the mutator has to place.
import { Code, RpcError } from '@meshlet/core';

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
};

export const targetNames = Object.keys(targets);
