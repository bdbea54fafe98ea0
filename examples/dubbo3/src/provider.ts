import { createMeshlet } from 'meshlet-rpc';
import { Greeter, type Hello, type Reply } from './contract.js';

// One implementation serves every Triple caller: a Meshlet consumer, grpc-js, grpc-go, grpc-java,
// a Java Dubbo 3 consumer. Streams are async iterables both ways.
const mesh = createMeshlet({
  application: 'demo-greeter',
  protocols: ['tri'],
  server: { host: '127.0.0.1', port: 0 },
});
mesh.provide(Greeter, {
  SayHello: (req: Hello): Reply => {
    console.log(`provider: SayHello(${req.name})`);
    return { message: `Hello ${req.name}`, index: 0 };
  },
  async *SayHelloStream(req: Hello): AsyncGenerator<Reply> {
    console.log(`provider: SayHelloStream(${req.name}, ${req.count})`);
    for (let i = 0; i < (req.count ?? 0); i++) yield { message: `Hello ${req.name} #${i}`, index: i };
  },
  async *Chat(reqs: AsyncIterable<Hello>): AsyncGenerator<Reply> {
    // Bidi: each item answered as it arrives, before the caller has sent the next.
    let i = 0;
    for await (const req of reqs) yield { message: `echo ${req.name.toUpperCase()}`, index: i++ };
    console.log(`provider: Chat ended after ${i} messages`);
  },
});
await mesh.start();
console.log(`provider: demo.greeter.Greeter listening on tri://127.0.0.1:${mesh.address()!.port}, registered in the local registry`);

process.once('SIGTERM', async () => {
  await mesh.stop();
  console.log('provider: stopped');
  process.exit(0);
});
