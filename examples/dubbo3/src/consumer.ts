import { createMeshlet } from 'meshlet-rpc';
import { Greeter, type Hello } from './contract.js';

// Found through the local registry (MESHLET_LOCAL_REGISTRY_DIR, set by run.js): no address here.
const mesh = createMeshlet({ application: 'demo-consumer', protocols: ['tri'] });
const greeter = mesh.refer(Greeter, { timeout: 5_000 });

const hello = await greeter.SayHello({ name: 'Meshlet' });
console.log(`meshlet consumer: SayHello → ${hello.message}`);

const items: string[] = [];
for await (const reply of greeter.SayHelloStream({ name: 'Meshlet', count: 3 })) items.push(reply.message);
console.log(`meshlet consumer: SayHelloStream → ${items.join(', ')}`);

async function* names(): AsyncGenerator<Hello> {
  for (const name of ['ada', 'grace', 'linus']) yield { name };
}
const echoes: string[] = [];
for await (const reply of greeter.Chat(names())) echoes.push(`${reply.index}:${reply.message}`);
console.log(`meshlet consumer: Chat → ${echoes.join(', ')}`);

await mesh.stop();
