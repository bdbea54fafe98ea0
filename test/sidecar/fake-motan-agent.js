// A stand-in for the motan-go agent (its code and binaries stay out of this project): the
// management API on `mport` (/registry/register, /unregister, /subscribe, /200), and a Motan2 port
// that proxies as the real agent does (motan.md §3.2, §3.3): a request from an app goes to the
// registered provider with the proxy bit, the agent's own wire id and the caller's id as `M_rid`;
// the provider's answer goes back with the caller's id and the proxy bit set (msgType 0x03).
// Heartbeats are answered the motan-go way (proxy bit set). Everything seen is recorded.
import http from 'node:http';
import net from 'node:net';
import { ByteWriter, encodeFrame, Meta, motanSplitter, MsgType, parseHeader, readMeta, requestIdMeta } from '@meshlet/transport-motan';

/** Splits a socket's bytes into Motan2 frames. */
function onFrames(socket, handle) {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= motanSplitter.headerLength) {
      const len = motanSplitter.frameLength(buf, 0);
      if (buf.length < len) break;
      const frame = buf.subarray(0, len);
      buf = buf.subarray(len);
      handle(Buffer.from(frame));
    }
  });
}

const metaOf = (frame) => readMeta(frame, 17, 17 + frame.readUInt32BE(13));
const bodyOf = (frame) => frame.subarray(17 + frame.readUInt32BE(13) + 4);

export async function fakeMotanAgent() {
  const state = { calls: [], registered: new Map(), proxied: [], heartbeats: 0, online: false };
  const w = new ByteWriter();
  let streamId = 0x1234_5678_9a00n;

  const api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      state.calls.push({ method: req.method, path: req.url, body });
      let reply = { code: 200, message: 'ok' };
      if (req.url === '/registry/register' || req.url === '/registry/unregister') {
        const u = JSON.parse(body);
        // The real agent wants a registry it knows.
        if (u.parameters?.proxyRegistry !== 'zookeeper://127.0.0.1:2181') reply = { code: 400, message: 'registry not found' };
        else if (req.url === '/registry/register') state.registered.set(`${u.group}_${u.path}`, u);
        else state.registered.delete(`${u.group}_${u.path}`);
      } else if (req.url === '/200') {
        state.online = true;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });

  const port = net.createServer((app) => {
    app.on('error', () => {});
    onFrames(app, (frame) => {
      const h = parseHeader(frame);
      if (h.heartbeat) {
        state.heartbeats++;
        app.write(encodeFrame(w, { msgType: MsgType.HEARTBEAT | MsgType.RESPONSE | MsgType.PROXY, serialization: h.serialization, requestId: h.requestId }));
        return;
      }
      const meta = metaOf(frame);
      const provider = state.registered.get(`${meta[Meta.GROUP] ?? 'default_rpc'}_${meta[Meta.PATH]}`);
      const reply = (fields) => app.write(encodeFrame(w, { ...fields, msgType: MsgType.RESPONSE | MsgType.PROXY, requestId: h.requestId }));
      if (!provider) {
        reply({ status: 1, serialization: 0, meta: [[Meta.EXCEPTION, '{"errcode":400,"errmsg":"cluster not found","errtype":1}']] });
        return;
      }
      const wireId = ++streamId;
      const out = encodeFrame(w, {
        msgType: (h.msgType & ~MsgType.PROXY) | MsgType.PROXY,
        serialization: h.serialization,
        requestId: wireId,
        meta: [...Object.entries(meta), [Meta.REQUEST_ID, requestIdMeta(h.requestId)], ['host', '127.0.0.1'], ['x-forwarded-for', '127.0.0.1']],
        body: bodyOf(frame),
      });
      const record = { callerId: h.requestId, wireId, sent: parseHeader(out), sentMeta: metaOf(out), answeredId: undefined, answerMsgType: undefined };
      state.proxied.push(record);
      const upstream = net.connect(provider.port, provider.host);
      upstream.on('error', () => {});
      upstream.write(out);
      onFrames(upstream, (answer) => {
        const a = parseHeader(answer);
        record.answeredId = a.requestId;
        record.answerMsgType = a.msgType;
        upstream.end();
        reply({ status: a.status, serialization: a.serialization, meta: [...Object.entries(metaOf(answer)), ['x-forwarded-for', `${provider.host}:${provider.port}`]], body: bodyOf(answer) });
      });
    });
  });

  await Promise.all([new Promise((r) => api.listen(0, '127.0.0.1', r)), new Promise((r) => port.listen(0, '127.0.0.1', r))]);
  return {
    state,
    mport: api.address().port,
    port: port.address().port,
    close: () => Promise.all([
      new Promise((r) => { api.closeAllConnections(); api.close(r); }),
      new Promise((r) => port.close(r)),
    ]),
  };
}
