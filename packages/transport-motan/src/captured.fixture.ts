// What the golden tests on captured frames (java-captured, motan-go-captured) read frames with, and
// the conformance kit's User as the captured peers declare it.
import { t } from '@meshlet/core';
import { META_START } from './constants.js';
import { parseHeader } from './header.js';
import { readMeta } from './meta.js';

export const buf = (h: string) => Buffer.from(h, 'hex');
export const metaOf = (f: Buffer) => ({ ...readMeta(f, META_START, META_START + parseHeader(f).metaLength) });
export const bodyOf = (f: Buffer) => f.subarray(META_START + parseHeader(f).metaLength + 4);

export const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
