export { FlowRules, type FlowRulesOptions } from './flow-rules.js';
export { type FlowInterceptorOptions } from './interceptors.js';
export {
  describeFlowRule, FlowBehavior, FlowGrade, FlowStrategy, LIMIT_APP_DEFAULT, LIMIT_APP_OTHER, parseFlowRules, validateFlowRule,
  type FlowRule, type ValidFlowRule,
} from './rule.js';
export { FlowRefusedError, isFlowRefusal, SENTINEL_FLOW_MESSAGE } from './refusal.js';
export {
  DEFAULT_CONSUMER_PREFIX, DEFAULT_PROVIDER_PREFIX, flowResourceNames, type FlowResourceNaming, type FlowSide,
} from './resource-names.js';
