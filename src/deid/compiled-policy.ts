import type { MaskingPolicy, Rule, ValueKind } from '../policies/policy-document.js';
import { parseRulePath, type RulePath } from '../policies/rule-path.js';
import { RuleMatcher } from './rule-matcher.js';

/** A rule ready to run: its path parsed and its options resolved to their defaults. */
export interface CompiledRule {
  readonly index: number;
  readonly rule: Rule;
  readonly path: RulePath;
  readonly when: ValueKind | null;
  /** dateShift on flat records: the parsed `patientKey` field path (plain field names), or null for the defaults. */
  readonly patientKeyPath: readonly string[] | null;
}

/** A policy version compiled for streaming; immutable apart from the matcher's caches. */
export interface CompiledPolicy {
  readonly name: string;
  readonly version: number;
  readonly rules: readonly CompiledRule[];
  readonly matcher: RuleMatcher;
  readonly usesDateShift: boolean;
  readonly usesRequestKey: boolean;
}

/** Compiles a stored (hence already validated) policy. A path that no longer parses is a programming error. */
export function compilePolicy(policy: MaskingPolicy): CompiledPolicy {
  const normalizedNames = policy.fieldNames === 'normalized';
  const rules = policy.rules.map((rule, index): CompiledRule => {
    const path = parseRulePath(rule.path);
    if ('invalid' in path) throw new Error(`stored policy ${policy.name} v${policy.version}: rules[${index}].path does not parse`);
    let patientKeyPath: string[] | null = null;
    if (rule.action === 'dateShift' && rule.patientKey !== undefined) {
      const keyPath = parseRulePath(rule.patientKey);
      if ('invalid' in keyPath) throw new Error(`stored policy ${policy.name} v${policy.version}: rules[${index}].patientKey does not parse`);
      patientKeyPath = keyPath.steps.map((step) => ('name' in step ? step.name : ''));
    }
    return { index, rule, path, when: rule.when ?? null, patientKeyPath };
  });
  return {
    name: policy.name,
    version: policy.version,
    rules,
    matcher: new RuleMatcher(rules.map((rule) => ({ path: rule.path, when: rule.when, normalizedNames }))),
    usesDateShift: rules.some((rule) => rule.rule.action === 'dateShift'),
    usesRequestKey: rules.some((rule) => rule.rule.action === 'hash' && rule.rule.key === 'request'),
  };
}
