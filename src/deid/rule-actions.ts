import { isInvalid, type Parsed, type TokenType } from '../formats/format.js';
import { maskedForm } from '../policy/masked-form.js';
import { formatOf } from '../formats/registry.js';
import type { TokenizeMode } from '../tokens/dto/tokenize.dto.js';
import type { CompiledPolicy, CompiledRule } from './compiled-policy.js';
import { shiftDate, toAgeBand, toYear, toZip3, type Generalized } from './generalize.js';
import { splitFhirReference } from './fhir-references.js';
import { LineError } from './line-error.js';
import { pseudonym, pseudonymizeFhirReference, type Digest } from './pseudonyms.js';

/** A value of a record removed by a rule: null in flat records, absent in FHIR resources. */
export const REMOVE: unique symbol = Symbol('remove');

/** A value waiting for its vault token; the record is written out only once every slot is filled. */
export interface TokenSlot {
  readonly holder: Record<string, unknown> | unknown[];
  /** Where the token goes; moves when a FHIR array closes the gap of a removed element. */
  key: string | number;
  readonly type: TokenType;
  readonly parsed: Parsed;
  readonly mode: TokenizeMode;
  /** Written around the token: a FHIR reference keeps its `Patient/` or `urn:uuid:` (fhir-references.ts). */
  readonly prefix: string;
  readonly suffix: string;
}

/** Puts a slot's token in place (also under a key named `__proto__`, which JSON.parse makes an own property). */
export function placeToken(slot: TokenSlot, token: string): void {
  const value = slot.prefix === '' && slot.suffix === '' ? token : `${slot.prefix}${token}${slot.suffix}`;
  if (Array.isArray(slot.holder)) slot.holder[slot.key as number] = value;
  else if (slot.key === '__proto__') Object.defineProperty(slot.holder, slot.key, { value, writable: true, enumerable: true, configurable: true });
  else slot.holder[slot.key as string] = value;
}

/** The keyed operations de-identification needs; the keys themselves stay with whoever implements this. */
export interface DeidKeys {
  /** HMAC under the vault's index subkey for `namespace` (stable across calls). */
  vaultDigest(namespace: string): Digest;
  /** HMAC under a key made for this request alone and never stored. */
  readonly requestDigest: Digest;
  dateShiftDays(patientKey: string, maxDays: number): number;
}

/** What one record (or one FHIR resource) lends the actions while it is walked. */
export interface RecordScope {
  readonly fhir: boolean;
  readonly slots: TokenSlot[];
  /** Rule numbers, once per value a rule changed. */
  readonly changed: number[];
  patientKey(rule: CompiledRule): string | null;
}

const DEFAULT_DATE_SHIFT_DAYS = 365;

/** Applies one rule to one primitive value. Booleans, null and empty strings only ever yield to `redact`. */
export class RuleActions {
  private readonly vaultDigest: Digest;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly keys: DeidKeys,
    private readonly processingYear: number,
  ) {
    this.vaultDigest = keys.vaultDigest(`deid/${policy.name}`);
  }

  /** The value to put in place: the same value, a new one, or REMOVE. Tokenize leaves the value and adds a slot. */
  apply(ruleIndex: number, value: unknown, holder: TokenSlot['holder'], key: string | number, scope: RecordScope): unknown {
    const compiled = this.policy.rules[ruleIndex];
    const { rule } = compiled;
    if (rule.action === 'keep') return value;
    if (rule.action === 'redact') {
      if (value === null && !scope.fhir) return value;
      scope.changed.push(ruleIndex);
      return REMOVE;
    }
    if (value === '' || (typeof value !== 'string' && typeof value !== 'number')) return value;
    let result: unknown;
    switch (rule.action) {
      case 'tokenize':
        return this.tokenize(compiled, value, holder, key, scope);
      case 'mask':
        result = maskedForm(String(value));
        break;
      case 'hash': {
        const digest = rule.key === 'request' ? this.keys.requestDigest : this.vaultDigest;
        result = scope.fhir && typeof value === 'string' ? pseudonymizeFhirReference(value, digest) : pseudonym(String(value), digest);
        if (result === null) result = REMOVE;
        break;
      }
      case 'generalize':
        result = this.settle(compiled, generalize(rule.to, value, rule.capAge === true, rule.width ?? 10, scope.fhir, this.processingYear));
        break;
      case 'dateShift': {
        const patientKey = scope.patientKey(compiled);
        if (patientKey === null) {
          if (rule.onInvalid === 'redact') result = REMOVE;
          else throw new LineError('no_patient_key', `${label(compiled)}: the record has no patient key to shift its dates by.`);
        } else {
          result = this.settle(compiled, shiftDate(value, this.keys.dateShiftDays(patientKey, rule.maxDays ?? DEFAULT_DATE_SHIFT_DAYS)));
        }
        break;
      }
      default:
        throw new Error(`unknown action ${rule.action}`);
    }
    if (result !== value) scope.changed.push(ruleIndex);
    return result;
  }

  /**
   * In FHIR resources a reference-shaped value is tokenized by its id part (fhir-references.ts), so with
   * mode deterministic `Patient/123`, `urn:uuid:123` and the Patient's own id `123` get one token.
   */
  private tokenize(compiled: CompiledRule, value: string | number, holder: TokenSlot['holder'], key: string | number, scope: RecordScope): unknown {
    const rule = compiled.rule as Extract<CompiledRule['rule'], { action: 'tokenize' }>;
    const mode: TokenizeMode = rule.mode ?? 'random';
    let text = String(value);
    let prefix = '';
    let suffix = '';
    if (scope.fhir && typeof value === 'string') {
      const reference = splitFhirReference(value);
      if (reference.kind === 'keep') return value;
      if (reference.kind === 'conditional') {
        scope.changed.push(compiled.index);
        return REMOVE;
      }
      ({ prefix, id: text, suffix } = reference);
    }
    let type: TokenType = rule.type;
    let parsed = formatOf(type).parseValue(text);
    if (isInvalid(parsed) && rule.onInvalid === 'text') {
      type = 'text';
      parsed = formatOf(type).parseValue(text);
    }
    if (isInvalid(parsed)) {
      if (rule.onInvalid === 'redact' || rule.onInvalid === 'text') {
        scope.changed.push(compiled.index);
        return REMOVE;
      }
      throw new LineError('value_rejected', `${label(compiled)}: ${parsed.invalid}.`);
    }
    scope.slots.push({ holder, key, type, parsed, mode, prefix, suffix });
    scope.changed.push(compiled.index);
    return value;
  }

  private settle(compiled: CompiledRule, outcome: Generalized): unknown {
    if ('value' in outcome) return outcome.value;
    if ((compiled.rule as { onInvalid?: string }).onInvalid === 'redact') return REMOVE;
    throw new LineError('value_rejected', `${label(compiled)}: the value ${outcome.invalid}.`);
  }
}

function generalize(to: 'year' | 'zip3' | 'ageband', value: unknown, capAge: boolean, width: number, fhir: boolean, processingYear: number): Generalized {
  if (to === 'year') return toYear(value, capAge, processingYear);
  if (to === 'zip3') return toZip3(value);
  return toAgeBand(value, width, fhir);
}

/** How an error line names a rule: its position and action, never a value. */
function label(compiled: CompiledRule): string {
  const { rule } = compiled;
  const detail = rule.action === 'tokenize' ? ` as ${rule.type}` : rule.action === 'generalize' ? ` to ${rule.to}` : '';
  return `rules[${compiled.index}] (${rule.action}${detail})`;
}
