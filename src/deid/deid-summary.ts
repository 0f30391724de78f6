import { operationEvent } from '../audit/audit-actor.js';
import type { AuditEventDraft } from '../audit/audit-event.js';
import type { Principal } from '../auth/principal.js';
import type { CompiledPolicy } from './compiled-policy.js';
import type { DeidStats } from './deid-pipeline.js';

/** What a de-identification call did: counts only, never a value. Sent as the `Deid-Summary` trailer. */
export interface DeidSummary {
  readonly policy: string;
  readonly version: number;
  readonly lines: number;
  readonly records: number;
  readonly errors: number;
  readonly tokens: number;
  /** The rules that changed something, with how many values each changed. */
  readonly rules: readonly { readonly rule: number; readonly path: string; readonly action: string; readonly changed: number }[];
  /** The audit event summarizing the call (null until it is written). */
  readonly auditId: string | null;
}

export function summaryOf(policy: CompiledPolicy, stats: DeidStats, auditId: string | null): DeidSummary {
  return {
    policy: policy.name,
    version: policy.version,
    lines: stats.lines,
    records: stats.records,
    errors: stats.errors,
    tokens: stats.tokens,
    rules: changedRules(policy, stats).map(({ rule, changed }) => ({ rule, path: policy.rules[rule].rule.path, action: policy.rules[rule].rule.action, changed })),
    auditId,
  };
}

/**
 * One `deidentify` event per call, after the stream. The tokens it issued are in the `tokenize` events of
 * its batches (one per tokenize call, written with the tokens, before they left the vault); this event
 * ties the call together: the policy version, the counts, and whether the call was cut short.
 */
export function summaryEvent(principal: Principal, policy: CompiledPolicy, stats: DeidStats, aborted: boolean): AuditEventDraft {
  const details = {
    policy: policy.name,
    policyVersion: policy.version,
    lines: stats.lines,
    records: stats.records,
    errors: stats.errors,
    tokens: stats.tokens,
    aborted,
    changedByRule: Object.fromEntries(changedRules(policy, stats).map(({ rule, changed }) => [`rules[${rule}]`, changed])),
  };
  return operationEvent(principal, 'deidentify', details, stats.errors > 0 || aborted ? 'partial' : 'allowed');
}

/** The summary as an HTTP header value: JSON, with everything outside printable ASCII escaped. */
export function summaryHeader(summary: DeidSummary): string {
  return JSON.stringify(summary).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function changedRules(policy: CompiledPolicy, stats: DeidStats): { rule: number; changed: number }[] {
  return policy.rules.flatMap((_, rule) => ((stats.changed[rule] ?? 0) > 0 ? [{ rule, changed: stats.changed[rule] }] : []));
}
