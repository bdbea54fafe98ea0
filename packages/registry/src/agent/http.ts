import * as http from 'node:http';
import { Code, RpcError, type TlsOptions } from '@meshlet/core';
import { connectTls, tlsReady } from '@meshlet/core/engine';

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
 * is for the caller to judge. With `tls` (the app's client TLS: a TLS agent takes the API on its
 * TLS port too), the request goes over the engine's dialer: the current certificate, `identities`.
 */
export async function agentRequest(
  host: string, port: number, method: 'GET' | 'POST', path: string,
  body: string | undefined, contentType: string, timeoutMs: number, tls?: TlsOptions,
): Promise<AgentReply> {
  const where = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  if (tls?.source) await certificatesWithin(tls, timeoutMs, `agent API ${method} ${where}`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host, port, method, path,
      headers: body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      // HTTP/1.1 over the engine's TLS socket (what https does, with its certificate handling).
      // No agent then: Node's agents (even `agent: false`'s fresh one) ignore `createConnection`.
      ...(tls ? { createConnection: () => connectTls(tls, host, port) } : { agent: false }),
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

/** Waits (at most `timeoutMs`) for a TLS source's first certificates; UNAVAILABLE past that. */
export async function certificatesWithin(tls: TlsOptions, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      tlsReady(tls),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`TLS certificates not loaded within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new RpcError(Code.Unavailable, `${what}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
