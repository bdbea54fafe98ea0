import * as http from 'node:http';
import { Code, RpcError } from '@meshlet/core';

/** The most an agent API answer may hold; anything longer is not one of the small JSON replies. */
const MAX_REPLY_BYTES = 1024 * 1024;

export interface AgentReply {
  readonly status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  readonly json: unknown;
  readonly text: string;
}

/**
 * One call to an agent's HTTP API. Network failures (refused, reset, no answer in time) reject
 * with UNAVAILABLE: the agent is not there. An answer of any status resolves; whether it says yes
 * is for the caller to judge.
 */
export function agentRequest(
  host: string, port: number, method: 'GET' | 'POST', path: string,
  body: string | undefined, contentType: string, timeoutMs: number,
): Promise<AgentReply> {
  const where = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host, port, method, path,
      headers: body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new RpcError(Code.Unavailable, `agent API ${method} ${where}: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) req.destroy(new Error(`answer longer than ${MAX_REPLY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
      res.on('error', () => {}); // reported through req's error
    });
    req.end(body);
  });
}

/** The agent answered, and said no: a clear error naming the call and what it said. */
export function refused(what: string, reply: AgentReply): RpcError {
  const said = reply.text.length > 300 ? `${reply.text.slice(0, 300)}…` : reply.text;
  return new RpcError(Code.BadRequest, `agent refused ${what}: HTTP ${reply.status} ${said}`, { status: reply.status });
}
