import os from 'node:os';
import type { Registration } from '@meshlet/core';
import { parseStoredEntry, registrationJson, storedRegistration } from '../stored-entry.js';

const FORMAT = 'meshlet-redis-registry/1';
/** Larger values are not ours (or are hostile) and are ignored. */
export const MAX_ENTRY_BYTES = 64 * 1024;

/** What one registration is stored as: JSON in the service's entries hash. */
export function encodeEntry(registration: Registration, owner: string): string {
  return JSON.stringify({
    format: FORMAT,
    ...registrationJson(registration),
    owner,
    pid: process.pid,
    hostname: os.hostname(),
  });
}

/** Parses a stored value; undefined for anything malformed, foreign or oversized. */
export function decodeEntry(text: string): Registration | undefined {
  if (text.length > MAX_ENTRY_BYTES) return undefined;
  const o = parseStoredEntry(text, FORMAT);
  return o === undefined ? undefined : storedRegistration(o);
}
