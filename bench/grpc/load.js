// Loads echo.proto the usual grpc-js way (@grpc/proto-loader), shared by server.js and client.js.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo.proto');

export function echoService() {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
  return grpc.loadPackageDefinition(definition).meshlet.bench.Echo;
}

export { grpc };
