// `npm run demo:dubbo3` (examples/dubbo3/run.js) as a user runs it: a Meshlet provider exporting a
// protobuf service over Triple, called by a Meshlet consumer found through the local registry and
// by a plain grpc-js client, with what each gets as the README shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../examples/dubbo3/run.js', import.meta.url));

test('the Dubbo 3 demo runs: unary, server stream and bidi stream over tri, from a Meshlet consumer and from grpc-js', { timeout: 45_000 }, async () => {
  const demo = spawn(process.execPath, [RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const [code] = await once(demo, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /provider: demo\.greeter\.Greeter listening on tri:\/\/127\.0\.0\.1:\d+, registered in the local registry/);
  // The Meshlet consumer, found through the registry: each call shape answered.
  assert.match(out, /meshlet consumer: SayHello → Hello Meshlet\n/);
  assert.match(out, /meshlet consumer: SayHelloStream → Hello Meshlet #0, Hello Meshlet #1, Hello Meshlet #2\n/);
  assert.match(out, /meshlet consumer: Chat → 0:echo ADA, 1:echo GRACE, 2:echo LINUS\n/);
  // grpc-js, as any gRPC peer dials it: the same service, the same answers.
  assert.match(out, /grpc-js client: SayHello → Hello grpc-js\n/);
  assert.match(out, /grpc-js client: SayHelloStream → Hello grpc-js #0, Hello grpc-js #1, Hello grpc-js #2\n/);
  assert.match(out, /grpc-js client: Chat → 0:echo GO, 1:echo JAVA\n/);
  // The provider ran each method for each caller, saw both client streams end, and stopped cleanly.
  assert.match(out, /provider: SayHello\(Meshlet\)/);
  assert.match(out, /provider: SayHelloStream\(grpc-js, 3\)/);
  assert.match(out, /provider: Chat ended after 3 messages/);
  assert.match(out, /provider: Chat ended after 2 messages/);
  assert.match(out, /provider: stopped/);
  assert.doesNotMatch(out, /Error|did not/);
});
