// Secret: a name and one of its kinds.
import { InvalidResource, str, type Obj } from './invalid.js';

export function validateSecret(s: Obj): string {
  const name = str(s['name']);
  if (name === '') throw new InvalidResource(undefined, 'secret without a name');
  if (s['type'] === undefined) throw new InvalidResource(name, 'secret with neither a certificate nor a validation context');
  return name;
}
