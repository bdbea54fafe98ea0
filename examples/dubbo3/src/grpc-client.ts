import * as grpc from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { HelloReply, HelloRequest, type Hello, type Reply } from './contract.js';

// A plain gRPC client, as a Go or Java gRPC service would call the provider: grpc-js with the
// same IDL and protobufjs for the bytes, the address given (gRPC clients do not read Meshlet's registry).
const target = process.argv[2];
if (!target) {
  console.error('usage: grpc-client.js host:port');
  process.exit(2);
}

const ser = (type: Type) => (value: object): Buffer => Buffer.from(type.encode(type.fromObject(value)).finish());
const de = (type: Type) => (bytes: Buffer) => type.toObject(type.decode(bytes), { defaults: true });
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/demo.greeter.Greeter/${name}`, requestStream, responseStream,
  requestSerialize: ser(HelloRequest), requestDeserialize: de(HelloRequest),
  responseSerialize: ser(HelloReply), responseDeserialize: de(HelloReply),
});
const Client = grpc.makeGenericClientConstructor({
  SayHello: method('SayHello', false, false),
  SayHelloStream: method('SayHelloStream', false, true),
  Chat: method('Chat', true, true),
}, 'Greeter');
const client = new Client(target, grpc.credentials.createInsecure());
const deadline = () => Date.now() + 5_000;

const hello = await new Promise<Reply>((resolve, reject) => {
  client.SayHello({ name: 'grpc-js' }, { deadline: deadline() }, (err: grpc.ServiceError | null, reply: Reply) => (err ? reject(err) : resolve(reply)));
});
console.log(`grpc-js client: SayHello → ${hello.message}`);

const items: string[] = [];
for await (const reply of client.SayHelloStream({ name: 'grpc-js', count: 3 }, { deadline: deadline() }) as AsyncIterable<Reply>) items.push(reply.message);
console.log(`grpc-js client: SayHelloStream → ${items.join(', ')}`);

const chat = client.Chat({ deadline: deadline() }) as grpc.ClientDuplexStream<Hello, Reply>;
const echoes: string[] = [];
for (const name of ['go', 'java']) chat.write({ name });
chat.end();
for await (const reply of chat as AsyncIterable<Reply>) echoes.push(`${reply.index}:${reply.message}`);
console.log(`grpc-js client: Chat → ${echoes.join(', ')}`);

client.close();
