/**
 * A decoded Java Throwable's stack trace as Java prints it (`Throwable.printStackTrace`), for
 * `RpcError.remoteStack`. Transports hand over the Throwable as their serializer decoded it: an
 * object whose `stackTrace` is a list of `java.lang.StackTraceElement` field objects
 * (`declaringClass`, `methodName`, `fileName`, `lineNumber`). Undefined when there are no frames
 * (Meshlet providers, SOFARPC's RpcServerException), so callers can tell "none sent" from empty.
 */
export function javaStackTrace(className: string, message: string | undefined, thrown: unknown): string | undefined {
  const trace = (thrown as { stackTrace?: unknown } | null)?.stackTrace;
  if (!Array.isArray(trace) || trace.length === 0) return undefined;
  const lines = [message ? `${className}: ${message}` : className];
  for (const el of trace) {
    const e = el as { declaringClass?: unknown; methodName?: unknown; fileName?: unknown; lineNumber?: unknown } | null;
    if (e === null || typeof e !== 'object' || typeof e.declaringClass !== 'string') continue;
    const line = typeof e.lineNumber === 'number' ? e.lineNumber : -1;
    // Java's StackTraceElement.toString: -2 marks a native method, a missing file is "Unknown Source".
    const where = line === -2 ? 'Native Method'
      : typeof e.fileName === 'string' ? (line >= 0 ? `${e.fileName}:${line}` : e.fileName)
        : 'Unknown Source';
    lines.push(`\tat ${e.declaringClass}.${String(e.methodName)}(${where})`);
  }
  return lines.length > 1 ? lines.join('\n') : undefined;
}
