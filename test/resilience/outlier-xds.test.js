// OutlierDetector reads Envoy's OutlierDetection exactly as @meshlet/xds decodes it from the wire:
// a Cluster encoded with Envoy's own .proto files (protobufjs, every field set), decoded by
// `decodeMessage` (toObject with defaults: false), handed to the detector as is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutlierDetector } from '@meshlet/breaker';
import { CLUSTER, decodeMessage, envoyRoot } from '@meshlet/xds';

async function decodedOutlierDetection(outlierDetection) {
  const root = await envoyRoot();
  const Cluster = root.lookupType('envoy.config.cluster.v3.Cluster');
  const bytes = Cluster.encode(Cluster.fromObject({ name: 'orders', outlierDetection })).finish();
  return decodeMessage(CLUSTER, bytes).outlierDetection;
}

test('every OutlierDetection field, encoded by Envoy’s protos and decoded by @meshlet/xds, reaches the detector', async () => {
  const decoded = await decodedOutlierDetection({
    consecutive_5xx: { value: 7 }, interval: { seconds: 3, nanos: 500_000_000 }, baseEjectionTime: { seconds: 20 },
    maxEjectionPercent: { value: 40 }, enforcingConsecutive_5xx: { value: 90 }, enforcingSuccessRate: { value: 80 },
    successRateMinimumHosts: { value: 4 }, successRateRequestVolume: { value: 60 }, successRateStdevFactor: { value: 1500 },
    consecutiveGatewayFailure: { value: 6 }, enforcingConsecutiveGatewayFailure: { value: 70 }, splitExternalLocalOriginErrors: true,
    consecutiveLocalOriginFailure: { value: 8 }, enforcingConsecutiveLocalOriginFailure: { value: 60 }, enforcingLocalOriginSuccessRate: { value: 50 },
    failurePercentageThreshold: { value: 75 }, enforcingFailurePercentage: { value: 40 }, enforcingFailurePercentageLocalOrigin: { value: 30 },
    failurePercentageMinimumHosts: { value: 3 }, failurePercentageRequestVolume: { value: 20 }, maxEjectionTime: { seconds: 200 },
    maxEjectionTimeJitter: { nanos: 250_000_000 }, successfulActiveHealthCheckUnejectHost: { value: false }, alwaysEjectOneHost: { value: true },
  });
  const detector = new OutlierDetector(decoded);
  assert.deepEqual({ ...detector.config }, {
    intervalMs: 3_500, baseEjectionTimeMs: 20_000, maxEjectionTimeMs: 200_000, maxEjectionTimeJitterMs: 250, maxEjectionPercent: 40,
    alwaysEjectOneHost: true, splitExternalLocalOriginErrors: true, consecutive5xx: 7, enforcingConsecutive5xx: 90,
    consecutiveGatewayFailure: 6, enforcingConsecutiveGatewayFailure: 70, consecutiveLocalOriginFailure: 8, enforcingConsecutiveLocalOriginFailure: 60,
    enforcingSuccessRate: 80, enforcingLocalOriginSuccessRate: 50, successRateMinimumHosts: 4, successRateRequestVolume: 60,
    successRateStdevFactor: 1500, failurePercentageThreshold: 75, enforcingFailurePercentage: 40, enforcingFailurePercentageLocalOrigin: 30,
    failurePercentageMinimumHosts: 3, failurePercentageRequestVolume: 20,
  });
  detector.close();
});

test('an explicit zero survives decoding (a wrapper with no value), an absent field takes Envoy’s default', async () => {
  const decoded = await decodedOutlierDetection({ enforcingConsecutive_5xx: { value: 0 }, consecutiveGatewayFailure: { value: 0 } });
  assert.deepEqual(decoded, { enforcingConsecutive_5xx: {}, consecutiveGatewayFailure: {} }, 'the shape the contract promises');
  const detector = new OutlierDetector(decoded);
  assert.equal(detector.config.enforcingConsecutive5xx, 0);
  assert.equal(detector.config.consecutiveGatewayFailure, 0);
  assert.equal(detector.config.consecutive5xx, 5);
  assert.equal(detector.config.intervalMs, 10_000);
  detector.close();
  // An empty message: all defaults.
  assert.equal(new OutlierDetector(await decodedOutlierDetection({})).config.maxEjectionPercent, 10);
});
