// An HTTP front that records every request (method, path, content type, body) and forwards it to
// another HTTP server (a Meshlet agent's API), answering with that server's answer: it stands in
// for MOSN's closed-source registration API while the Meshlet agent does the routing behind it.
import http from 'node:http';

export async function recordingFront(targetPort) {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push({ method: req.method, path: req.url, contentType: req.headers['content-type'], body });
      const fwd = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: { 'content-type': 'application/json' } }, (r) => {
        let out = '';
        r.on('data', (d) => (out += d));
        r.on('end', () => {
          res.writeHead(r.statusCode, { 'content-type': 'application/json' });
          res.end(out);
        });
      });
      fwd.on('error', (err) => {
        res.writeHead(502);
        res.end(err.message);
      });
      fwd.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    calls,
    port: server.address().port,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
