// The fleet service (test/fleet/java/common: com.meshlet.fleet.FleetService) on the Meshlet side:
// what Java services send each other beyond the conformance kit.
import { currentCall, defineService, t } from '@meshlet/core';

const Address = t.object('com.meshlet.fleet.Address', { city: t.string, zip: t.string });
const Customer = t.object('com.meshlet.fleet.Customer', { name: t.string, address: Address });
const Line = t.object('com.meshlet.fleet.Line', { sku: t.string, qty: t.int32, price: t.decimal });
const Status = t.enum('com.meshlet.fleet.Status', ['NEW', 'PAID', 'SHIPPED']);

/** Fields in the Java class's declaration order. */
export const Order = t.object('com.meshlet.fleet.Order', {
  id: t.int64,
  customer: Customer,
  lines: t.list(Line),
  status: Status,
  createdAt: t.date,
  total: t.decimal,
  labels: t.set(t.string),
  blob: t.bytes,
  parent: t.nullable(t.int64),
});

export const FleetService = defineService({
  interface: 'com.meshlet.fleet.FleetService',
  version: '1.0',
  methods: {
    echoOrder: { params: [Order], returns: Order },
    describeInt: { name: 'describe', params: [t.int32], returns: t.string },
    describeLong: { name: 'describe', params: [t.int64], returns: t.string },
    describeString: { name: 'describe', params: [t.string], returns: t.string },
    attachment: { params: [t.string], returns: t.nullable(t.string) },
    raise: { params: [t.string], returns: t.void },
    blob: { params: [t.int32], returns: t.bytes },
    sizeOf: { params: [t.bytes], returns: t.int32 },
  },
});

/** byte i = (byte) (i * 31), as com.meshlet.fleet.Blobs makes it. */
export function pattern(size) {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31) & 0xff;
  return b;
}

/** Just under the 8 MiB default frame and payload limits of Dubbo, Bolt and Meshlet (Cases.BIG). */
export const BIG = 8 * 1024 * 1024 - 64 * 1024;

export const fleetImpl = {
  echoOrder: (o) => o,
  describeInt: (x) => `int:${x}`,
  describeLong: (x) => `long:${x}`,
  describeString: (s) => `string:${s}`,
  attachment: (key) => currentCall()?.attachments[key] ?? null,
  raise: (message) => {
    throw Object.assign(new Error(message), { javaClass: 'com.meshlet.fleet.FleetException' });
  },
  blob: (size) => pattern(size),
  sizeOf: (b) => b.length,
};

/** Cases.fullOrder() of the Java side. */
export const fullOrder = {
  id: 9007199254740993n,
  customer: { name: 'Zoë 😀', address: { city: '杭州', zip: '310000' } },
  lines: [
    { sku: 'sku-1', qty: 2, price: '19.90' },
    { sku: 'sku-2', qty: 1, price: '-0.001' },
  ],
  status: 'PAID',
  createdAt: new Date(1733318400123),
  total: '39.799',
  labels: ['urgent', 'gift'],
  blob: Buffer.from([0, 1, 255, 127, 128]),
  parent: 42n,
};

export const nullOrder = {
  id: -1n, customer: null, lines: null, status: null, createdAt: null, total: null, labels: null, blob: null, parent: null,
};
