// Dubbo's condition and tag routing rules (config keys `*.condition-router`, `*.tag-router`).
export { RoutingRuleError } from './errors.js';
export { parseCondition, matchWhen, matchThen, NOT_FOUND, type CallSample, type Condition, type ConditionMatcher, type MatcherKind } from './condition.js';
export { parseConditionRule, parseTagRule, matchString, type ConditionRule, type TagRule, type TagDefinition, type TagMatch, type StringMatch, type RuleMeta } from './rule-doc.js';
export { matchGlob } from './glob.js';
export { matchAddress } from './address-match.js';
export { ConditionRouting } from './condition-router.js';
export { TagRuleRouting, TAG_KEY, FORCE_TAG_KEY } from './tag-rule-router.js';
export { RoutingRules, serviceRuleKey, CONDITION_RULE_SUFFIX, TAG_RULE_SUFFIX, type RoutingRulesOptions } from './rules.js';
