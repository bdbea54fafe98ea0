import type { Registration } from '@meshlet/core';
import { checkRegistration } from './validate.js';

/**
 * The registration part of a JSON entry, as the `local` (files) and `redis` registries store it
 * after their `format` tag; each adds its owner fields after these.
 */
export function registrationJson(r: Registration) {
  return { service: r.service, endpoint: r.endpoint, methods: r.methods, application: r.application };
}

/**
 * Parses an entry written by `format`: a JSON object whose `format` field names it. Undefined for
 * anything else (malformed, half-written, another registry's or another version's), which readers skip.
 */
export function parseStoredEntry(text: string, format: string): Record<string, unknown> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  return o.format === format ? o : undefined;
}

/**
 * The registration of a parsed entry, checked as `register` checks one; undefined when invalid.
 * Params land in a null-prototype object (checkRegistration), so a `__proto__` key stays an ordinary key.
 */
export function storedRegistration(o: Record<string, unknown>): Registration | undefined {
  try {
    return checkRegistration({ service: o.service, endpoint: o.endpoint, methods: o.methods, application: o.application });
  } catch {
    return undefined;
  }
}
