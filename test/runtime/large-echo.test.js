// Cost linear in payload size (issue 14): a large echo through each protocol, client and provider
// in this process over loopback, with every byte that passes through Node's Buffer copy and
// allocation calls counted. Not timed: the count is what a quadratic frame reader (re-joining
// the partial frame on every read), a body copied into its frame, or a writer regrowing per chunk
// would blow up, and it hardly depends on how the kernel chunks the stream (a linear reader joins
// a frame once however it arrives).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime, defineService, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';

const Echo = defineService({
  interface: 'com.meshlet.test.LargeEcho', version: '1.0',
  methods: { echo: { params: [t.string], returns: t.string } },
});
const MiB = 1024 * 1024;
const LIMIT = 16 * MiB - 1; // RSocket's 24-bit frame length: the largest frame all four can carry

/**
 * Bytes that went through Buffer allocation and copy calls (and typed-array `set`) while `fn`
 * ran. Native socket reads and string encoding/decoding are not counted: they are linear by
 * construction.
 */
async function countBytes(fn) {
  let bytes = 0;
  const saved = [];
  const wrap = (owner, name, count) => {
    const original = owner[name];
    saved.push(() => { owner[name] = original; });
    owner[name] = function (...args) {
      const out = original.apply(this, args);
      bytes += count(out, args);
      return out;
    };
  };
  const size = (out) => out.length;
  wrap(Buffer, 'allocUnsafe', size);
  wrap(Buffer, 'allocUnsafeSlow', size);
  wrap(Buffer, 'alloc', size); // Buffer.concat allocates through Buffer.allocUnsafe: counted there
  wrap(Buffer, 'from', (out, [src]) => (typeof src === 'string' || ArrayBuffer.isView(src) || Array.isArray(src) ? out.length : 0));
  wrap(Buffer.prototype, 'copy', (n) => n);
  wrap(Uint8Array.prototype, 'set', (_, [src]) => src?.length ?? 0);
  try {
    await fn();
  } finally {
    for (const restore of saved.reverse()) restore();
  }
  return bytes;
}

// Bytes per payload byte allowed, each a little over what it measures today (dubbo 4.06, bolt 4.06,
// motan2 4.7, rsocket 4.0; hessian's writer grows a long string's buffer to the size it needs, not
// to a power of two): a body copied into its frame again adds ~1 at least (bolt did: 6.0), a
// quadratic reader at 64 KiB reads ~100-400.
const BOUND = { dubbo: 4.5, bolt: 4.5, motan2: 6, rsocket: 5.5 };

for (const [name, protocol] of [['dubbo', dubbo], ['bolt', bolt], ['motan2', motan2], ['rsocket', rsocket]]) {
  test(`${name}: a 12 MiB echo copies each byte a bounded number of times, and 12x the payload costs ~12x the copies`, async () => {
    const server = createRuntime({ protocols: [protocol()], server: { host: '127.0.0.1', port: 0, maxFrameSize: LIMIT } });
    server.provide(Echo, { echo: (s) => s });
    await server.start();
    const client = createRuntime({ protocols: [protocol()], client: { maxFrameSize: LIMIT } });
    try {
      const echo = client.refer(Echo, { url: `127.0.0.1:${server.address().port}`, timeout: 60_000 });
      assert.equal(await echo.echo('warm'), 'warm');
      // Each size once unmeasured first: writers keep a grown buffer, so the measured echo is the
      // steady state a stream of such calls pays.
      const perEcho = async (n) => {
        const s = 'x'.repeat(n);
        assert.equal(await echo.echo(s), s);
        let got;
        const bytes = await countBytes(async () => { got = await echo.echo(s); });
        assert.equal(got, s);
        return bytes;
      };
      const small = await perEcho(1 * MiB);
      const large = await perEcho(12 * MiB);
      const perByte = large / (12 * MiB);
      // Each side gathers a frame once and allocates one to write: 4 bytes per payload byte.
      assert.ok(perByte < BOUND[name], `${name}: ${perByte.toFixed(2)} bytes through Buffer calls per payload byte (${large} for 12 MiB)`);
      assert.ok(large < small * 12 * 1.5, `${name}: 12 MiB cost ${(large / small).toFixed(1)}x what 1 MiB did (linear: ~12x)`);
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}
