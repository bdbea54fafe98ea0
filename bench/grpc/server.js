#!/usr/bin/env node
// grpc-js unary echo server for the bench harness (h2c, one handler, no interceptors).
//   node bench/grpc/server.js --port 0 [--host 127.0.0.1]
// Prints `READY <port>` once listening; exits on SIGTERM.
import { echoService, grpc } from './load.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const host = opt('--host', '127.0.0.1');
const port = Number(opt('--port', '0'));

const server = new grpc.Server();
server.addService(echoService().service, { Echo: (call, callback) => callback(null, { text: call.request.text }) });
server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    process.stderr.write(`grpc server: ${err.message}\n`);
    process.exit(1);
  }
  console.log(`READY ${bound}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
