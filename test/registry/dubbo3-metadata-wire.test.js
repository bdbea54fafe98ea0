// The MetadataInfo a Java Dubbo 3.3.6 provider's MetadataService answered (getMetadataInfo(revision),
// captured on the wire: test/fleet/java/dubbo3 AppProvider, EchoService 1.0), decoded with core's
// hessian descriptors: every field lands, and core's revision of the decoded services is the one
// Java computed. Then Meshlet's own MetadataInfo survives the same round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dubboMetadataInfo, endpoint, metadataRevision, METADATA_INFO_TYPE } from '@meshlet/core';
import { decode, encode } from '@meshlet/hessian';

const JAVA_METADATA_INFO = Buffer.from(
  '4330266f72672e6170616368652e647562626f2e6d657461646174612e4d65746164617461496e666f93087365727669636573087265766973696f6e03617070604d30266a6176612e7574696c2e636f6e63757272656e742e436f6e63757272656e74486173684d6170302d636f6d2e6d6573686c65742e636f6e666f726d616e63652e4563686f536572766963653a312e303a647562626f4330326f72672e6170616368652e647562626f2e6d657461646174612e4d65746164617461496e666f2453657276696365496e666f9706706172616d73047061746804706f72740870726f746f636f6c0776657273696f6e0567726f7570046e616d65614804736964650870726f76696465720772656c6561736505332e332e36076d6574686f64733062616464496e742c6164644c6f6e672c6563686f2c6563686f557365722c6661696c2c6d756c446f75626c652c6e65676174652c6e756c6c61626c652c7265766572736542797465732c726576657273654c6973742c736c6565702c737761704d61700a646570726563617465640566616c736505647562626f05322e302e3209696e746572666163653023636f6d2e6d6573686c65742e636f6e666f726d616e63652e4563686f5365727669636514736572766963652d6e616d652d6d617070696e6704747275650776657273696f6e03312e300767656e657269630566616c7365087265766973696f6e03312e300d73657269616c697a6174696f6e086865737369616e320d6d657461646174612d74797065056c6f63616c0b6170706c69636174696f6e13647562626f332d6170702d70726f7669646572147072656665722e73657269616c697a6174696f6e086865737369616e320764796e616d696304747275651052454749535452595f434c55535445520764656661756c745a3023636f6d2e6d6573686c65742e636f6e666f726d616e63652e4563686f53657276696365d4949d05647562626f03312e304e3023636f6d2e6d6573686c65742e636f6e666f726d616e63652e4563686f536572766963655a3020363537616665633762383962323939383334356231306366356635313262626613647562626f332d6170702d70726f7669646572',
  'hex',
);

/** Hessian maps decode as JS Maps: plain records to compare and to hash. */
const plain = (v) => (v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)])) : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);

test("Java's MetadataInfo decodes field for field, and its revision is core's revision of its services", () => {
  const info = plain(decode(JAVA_METADATA_INFO, METADATA_INFO_TYPE));
  assert.equal(info.app, 'dubbo3-app-provider');
  assert.equal(info.revision, '657afec7b89b2998345b10cf5f512bbf');
  const key = 'com.meshlet.conformance.EchoService:1.0:dubbo';
  assert.deepEqual(Object.keys(info.services), [key]);
  const s = info.services[key];
  assert.deepEqual({ ...s, params: undefined }, {
    name: 'com.meshlet.conformance.EchoService', group: null, version: '1.0', protocol: 'dubbo', port: 38045,
    path: 'com.meshlet.conformance.EchoService', params: undefined,
  });
  assert.equal(s.params.methods, 'addInt,addLong,echo,echoUser,fail,mulDouble,negate,nullable,reverseBytes,reverseList,sleep,swapMap');
  assert.equal(metadataRevision(info.app, info.services), info.revision);
});

test("Meshlet's MetadataInfo round-trips through hessian2 with its revision intact", () => {
  const ours = dubboMetadataInfo('m', [
    { service: { interface: 'a.Echo', version: '1.0', group: 'g' }, endpoint: endpoint('dubbo', '10.0.0.1', 20880, {}), methods: ['echo'], application: 'm' },
    { service: { interface: 'a.Calc' }, endpoint: endpoint('dubbo', '10.0.0.1', 20880, {}), methods: ['add'], application: 'm' },
  ]);
  const back = plain(decode(encode(ours, METADATA_INFO_TYPE), METADATA_INFO_TYPE));
  assert.deepEqual(back, plain(ours));
  assert.equal(metadataRevision(back.app, back.services), ours.revision);
});
