// One resource of a response: unwrapped, decoded with Envoy's protos, validated. Any failure is an
// Error whose message goes into the NACK; InvalidResource names the resource when it is known.
import { RpcError } from '@meshlet/core';
import { unwrap } from '../client/messages.js';
import { InvalidResource, validateResource } from '../validate/index.js';
import { anyTypeUrl, decodeMessage, type AnyLike, type XdsObject } from './decode.js';

export interface DecodedResource {
  readonly name: string;
  readonly value: XdsObject;
  /** The resource's bytes: an unchanged resource is not announced again. */
  readonly bytes: Buffer;
}

export function decodeResource(raw: AnyLike, typeUrl: string, nameHint?: string): DecodedResource {
  const { any, name: wrapped } = unwrap(raw);
  const hint = nameHint ?? wrapped;
  const actual = anyTypeUrl(any);
  if (actual !== typeUrl) throw new InvalidResource(hint, `a resource of type ${actual || '(none)'} in a response of ${typeUrl}`);
  const bytes = Buffer.from(any.value ?? new Uint8Array(0));
  let value: XdsObject;
  try {
    value = decodeMessage(typeUrl, bytes);
  } catch (err) {
    if (hint !== undefined && err instanceof RpcError) throw new InvalidResource(hint, err.message);
    throw err;
  }
  const name = validateResource(typeUrl, value);
  if (hint !== undefined && hint !== name) throw new InvalidResource(hint, `named ${name} inside`);
  return { name, value, bytes };
}
