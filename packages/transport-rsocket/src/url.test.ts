import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRSocketUrl } from './url.js';

test('fuzz finding: a malformed percent-escape in the path is an unreadable URL (undefined), not a URIError', () => {
  // The input `npm run fuzz` saved (provider-urls): an rsocket URL whose path holds `%zD`.
  assert.equal(fromRSocketUrl('rsocket://10.0.0.4:7000/com.meshletiq\u0000eId%zDg'), undefined);
  assert.equal(fromRSocketUrl('rsocket://10.0.0.4:7000/%E0%A4%A'), undefined);
  // The interface parameter wins over the path, so a bad path does not matter then.
  assert.equal(fromRSocketUrl('rsocket://10.0.0.4:7000/%zz?interface=com.meshlet.Echo')!.service.interface, 'com.meshlet.Echo');
  assert.equal(fromRSocketUrl('rsocket://10.0.0.4:7000/com.meshlet%2EEcho')!.service.interface, 'com.meshlet.Echo');
});
