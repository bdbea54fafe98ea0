import type { Registration } from '@meshlet/core';
import { registrationId } from './endpoint-set.js';
import { checkRegistration } from './validate.js';

/**
 * For `unregister`: checks the registration, then removes and returns what the registry holds for
 * it under its registration id. Undefined when it holds nothing: unregistering what was never
 * registered (or twice) is not an error.
 */
export function takeHeld<T>(held: Map<string, T>, registration: Registration): { readonly id: string; readonly value: T } | undefined {
  const r = checkRegistration(registration);
  const id = registrationId(r.service, r.endpoint);
  const value = held.get(id);
  if (value === undefined) return undefined;
  held.delete(id);
  return { id, value };
}
