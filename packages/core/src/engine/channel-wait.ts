import { Code, RpcError } from '../errors.js';

/**
 * Races `promise` against an absolute deadline (`Date.now()` ms) without leaving a timer behind:
 * rejects with `timeout(ms)` once the deadline passes (`ms` the time that was left, 0 when it had
 * passed already). Used wherever a call waits for something other than its response: a
 * connection being made, a congested socket draining.
 */
export function withDeadline<T>(promise: Promise<T>, deadline: number, timeout: (ms: number) => RpcError): Promise<T> {
  const ms = deadline - Date.now();
  if (ms <= 0) return Promise.reject(timeout(0));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout(ms)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); },
    );
  });
}

/**
 * Why a channel takes no call right now, for the two states in which it fails calls fast (never
 * sent, so a cluster tries another address): reconnecting to a peer that answered nothing (a
 * partition), and backing off after a failed connect. `lastError` is what put it there.
 */
export function notReadyError(address: string, state: 'silent' | 'backoff', lastError: RpcError | undefined): RpcError {
  const why = state === 'silent' ? 'answers nothing (reconnecting)' : 'is unreachable (retrying later)';
  return new RpcError(Code.Unavailable, `${address} ${why}: ${lastError?.message ?? ''}`, { cause: lastError });
}
