import os from 'node:os';
import type { Registration } from '@meshlet/core';
import { checkRegistration } from '../validate.js';

const FORMAT = 'meshlet-redis-registry/1';
/** Larger values are not ours (or are hostile) and are ignored. */
export const MAX_ENTRY_BYTES = 64 * 1024;

/** What one registration is stored as: JSON in the service's entries hash. */
export function encodeEntry(registration: Registration, owner: string): string {
  return JSON.stringify({
    format: FORMAT,
    service: registration.service,
    endpoint: registration.endpoint,
    methods: registration.methods,
    application: registration.application,
    owner,
    pid: process.pid,
    hostname: os.hostname(),
  });
}

/**
 * Parses a stored value; undefined for anything malformed, foreign or oversized. Params land in a
 * null-prototype object (checkRegistration), so a `__proto__` key stays an ordinary key.
 */
export function decodeEntry(text: string): Registration | undefined {
  if (text.length > MAX_ENTRY_BYTES) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (o.format !== FORMAT) return undefined;
  try {
    return checkRegistration({ service: o.service, endpoint: o.endpoint, methods: o.methods, application: o.application });
  } catch {
    return undefined;
  }
}
