// A provider process for the chaos suite. `Chaos.get()` answers with this provider's name; the
// admin method `setMode` makes it slow (`slow`), refuse calls before they run (`fail`: SERVER_BUSY,
// as an overloaded Java provider answers) or healthy again (`ok`).
import { Code, createRuntime, RpcError } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { Chaos } from './chaos-service.js';

const name = process.env.NAME ?? String(process.pid);
let mode = 'ok';
const mesh = createRuntime({
  protocols: [dubbo()],
  server: { host: '127.0.0.1', port: 0 },
  serverInterceptors: [(next) => (inv) => {
    if (mode === 'fail' && inv.method.name === 'get') return Promise.reject(new RpcError(Code.ServerBusy, `${name} refuses`));
    return next(inv);
  }],
});
mesh.provide(Chaos, {
  get: async () => {
    if (mode === 'slow') await new Promise((r) => setTimeout(r, 60));
    return name;
  },
  setMode: (m) => { mode = m; return m; },
});
await mesh.start();
console.log(`READY ${mesh.address().port}`);
process.once('SIGTERM', async () => { await mesh.stop(1000); process.exit(0); });
