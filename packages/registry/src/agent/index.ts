export { parseAgentTarget, isAgentKind, type AgentTarget, type AgentKind } from './target.js';
export { AgentRegistry, AGENT_PARAM, isAgentEndpoint } from './agent-registry.js';
export { MosnRegistry } from './mosn.js';
export { MotanAgentRegistry } from './motan-agent.js';
export { MeshletAgentRegistry } from './meshlet-agent.js';
export { FallbackRegistry, withFallback, type FallbackOptions, type FallbackState, type FallbackEvents } from './fallback.js';
export { HealthMonitor, probeOnce, type HeartbeatProbe, type HeartbeatProbes, type HealthMonitorOptions } from './health.js';
export { agentRequest, type AgentReply } from './http.js';
export { sortedJson } from './sorted-json.js';
export {
  mosnServiceName, parseMosnServiceName, mosnApplicationRequest, mosnPublishRequest, mosnSubscribeRequest, mosnUnpublishRequest,
  mosnProtocol, MOSN_PAYLOADS, type MosnPayload, type MosnPublishOptions,
} from './mosn-shapes.js';
export {
  registrationToJsonUrl, serviceToJsonUrl, jsonUrlText, parseJsonUrl, jsonUrlService, jsonUrlToRegistration, MOTAN_DEFAULT_GROUP,
  type JsonUrl, type JsonUrlOptions,
} from './json-url.js';
