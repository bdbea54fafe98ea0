import { createHash } from 'node:crypto';
import type { Registration } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';
import { parseStoredEntry, registrationJson, storedRegistration } from '../stored-entry.js';

/** One registration file's content. */
export interface LocalEntry {
  readonly registration: Registration;
  /** The owning process. */
  readonly pid: number;
  /** The owner's host name: pids are only checked for entries written on this host. */
  readonly hostname: string;
  /** The owning registry instance (`<pid>-<random>`). */
  readonly owner: string;
  /** When the owner last renewed the entry, ms since the epoch. */
  readonly lease: number;
}

const FORMAT = 'meshlet-local-registry/1';

/**
 * `<hash of service key + endpoint>.<owner>.json`. The owner part keeps two registry instances
 * that register the same service at the same address from removing each other's file.
 */
export function entryFileName(registration: Registration, owner: string): string {
  const hash = createHash('sha256').update(registrationId(registration.service, registration.endpoint)).digest('hex');
  return `${hash.slice(0, 32)}.${owner}.json`;
}

/** Entry files end in `.json`; temp files start with a dot and are never read. */
export function isEntryFileName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.');
}

export function encodeEntry(entry: LocalEntry): string {
  return JSON.stringify({
    format: FORMAT,
    ...registrationJson(entry.registration),
    pid: entry.pid,
    hostname: entry.hostname,
    owner: entry.owner,
    lease: entry.lease,
  });
}

/** Parses and checks a file's text; anything malformed, foreign or half-written yields undefined. */
export function decodeEntry(text: string): LocalEntry | undefined {
  const o = parseStoredEntry(text, FORMAT);
  if (o === undefined) return undefined;
  if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return undefined;
  if (typeof o.lease !== 'number' || !Number.isFinite(o.lease)) return undefined;
  if (typeof o.hostname !== 'string' || typeof o.owner !== 'string') return undefined;
  const registration = storedRegistration(o);
  if (registration === undefined) return undefined;
  return { registration, pid: o.pid, hostname: o.hostname, owner: o.owner, lease: o.lease };
}
