import { FHIR_R4_RESOURCE_TYPES } from '../policies/fhir-resource-types.js';
import type { CompiledPolicy, CompiledRule } from './compiled-policy.js';
import { LineError } from './line-error.js';
import { referencedId } from './fhir-references.js';
import { REMOVE, RuleActions, type RecordScope, type TokenSlot } from './rule-actions.js';
import { NO_RULE, normalizeName, type MatchNode, type RuleMatcher } from './rule-matcher.js';

/** What de-identifying one line left to do: the tokens to fetch, and which rules changed which values. */
export interface WalkedRecord {
  readonly slots: TokenSlot[];
  readonly changed: number[];
}

type JsonObject = Record<string, unknown>;

const MAX_DEPTH = 128;
/** Flat records without a patientKey option take the first of these fields (names compared normalized). */
const DEFAULT_PATIENT_FIELDS = ['patientid', 'patient', 'patientref', 'mrn', 'id'];
/** Resource elements that point at the patient a FHIR resource is about. */
const PATIENT_REFERENCES = ['subject', 'patient', 'beneficiary'];
/**
 * Children of a FHIR complex element that describe it rather than hold its data. A tokenize, mask, hash,
 * generalize or dateShift rule selecting the element (`Patient.telecom`) leaves them as they are, so it
 * transforms `telecom.value`, not `telecom.system`; a rule naming one of them still applies.
 */
const STRUCTURAL = new Set(['system', 'use', 'type', 'code', 'coding', 'url', 'extension', 'modifierExtension', 'period', 'id', 'rank', 'status', 'resourceType']);

/**
 * Walks one parsed line and applies the policy in place. FHIR resources (objects with a resourceType)
 * are handled resource by resource: a Bundle entry's or a contained resource starts afresh with the rules
 * of its own type. Throws LineError; a line that throws is never written out.
 */
export class RecordWalker {
  private readonly matcher: RuleMatcher;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly actions: RuleActions,
  ) {
    this.matcher = policy.matcher;
  }

  walk(record: unknown): WalkedRecord {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new LineError('not_an_object', 'The line is not a JSON object.');
    const walked: WalkedRecord = { slots: [], changed: [] };
    const object = record as JsonObject;
    if (typeof object.resourceType === 'string') this.walkResource(object, walked, 0);
    else this.walkObject(object, this.matcher.root(null), this.flatScope(object, walked), 0, false);
    return walked;
  }

  private walkResource(resource: JsonObject, walked: WalkedRecord, depth: number): void {
    if (!FHIR_R4_RESOURCE_TYPES.has(resource.resourceType as string)) {
      throw new LineError('unknown_resource_type', 'A resourceType is not a FHIR R4 resource type.');
    }
    const scope = this.fhirScope(resource, walked);
    this.walkObject(resource, this.matcher.root(resource.resourceType as string), scope, depth, false);
  }

  /** Returns whether the object is left empty (FHIR then removes it). */
  private walkObject(object: JsonObject, at: MatchNode, scope: RecordScope, depth: number, structural: boolean): boolean {
    if (depth > MAX_DEPTH) throw new LineError('too_deep', `The line nests deeper than ${MAX_DEPTH} levels.`);
    const node = at.hasWhere ? this.matcher.resolveWhere(at, object) : at;
    let remaining = 0;
    for (const key of Object.keys(object)) {
      const value = object[key];
      const child = this.matcher.child(node, key);
      const inherited = child.governing === node.governing;
      const result = this.visit(value, child, scope, depth + 1, object, key, inherited && (structural || (scope.fhir && STRUCTURAL.has(key))));
      if (result === REMOVE) {
        if (scope.fhir) delete object[key];
        else setOwn(object, key, null);
        if (!scope.fhir) remaining += 1;
      } else {
        if (result !== value) setOwn(object, key, result);
        remaining += 1;
      }
    }
    return remaining === 0;
  }

  private visit(value: unknown, node: MatchNode, scope: RecordScope, depth: number, holder: TokenSlot['holder'], key: string | number, structural: boolean): unknown {
    if (value === null || typeof value !== 'object') {
      const rule = this.matcher.ruleFor(node, value);
      if (rule === NO_RULE) return value;
      if (structural && rule === node.governing && isTransforming(this.policy.rules[rule])) return value;
      return this.actions.apply(rule, value, holder, key, scope);
    }
    const governing = node.governing === NO_RULE ? null : this.policy.rules[node.governing].rule.action;
    if (scope.fhir && !Array.isArray(value) && typeof (value as JsonObject).resourceType === 'string') {
      // A nested resource starts afresh with its own type's rules, unless a rule removes it whole.
      if (governing === 'redact') return this.removed(node, scope);
      this.walkResource(value as JsonObject, { slots: scope.slots, changed: scope.changed }, depth);
      return value;
    }
    if (node.settled) {
      if (governing === 'redact') return this.removed(node, scope);
      // FHIR containers are searched even when settled: they may hold contained resources.
      if ((governing === null || governing === 'keep') && !scope.fhir) return value;
    }
    if (!Array.isArray(value)) {
      const empty = this.walkObject(value as JsonObject, node, scope, depth, structural);
      return scope.fhir && empty ? REMOVE : value;
    }
    return this.visitArray(value, node, scope, depth, structural);
  }

  private visitArray(array: unknown[], node: MatchNode, scope: RecordScope, depth: number, structural: boolean): unknown {
    if (depth > MAX_DEPTH) throw new LineError('too_deep', `The line nests deeper than ${MAX_DEPTH} levels.`);
    const element = this.matcher.element(node);
    const firstSlot = scope.slots.length;
    let removed = 0;
    for (let index = 0; index < array.length; index += 1) {
      const item = array[index];
      const result = this.visit(item, element, scope, depth + 1, array, index, structural);
      if (result === REMOVE) {
        removed += 1;
        array[index] = scope.fhir ? REMOVE : null;
      } else if (result !== item) array[index] = result;
    }
    if (!scope.fhir || removed === 0) return array;
    if (removed === array.length) return REMOVE;
    // FHIR has no nulls in arrays: close the gaps, and move the pending token slots with their values.
    const newIndex: number[] = [];
    let write = 0;
    for (let read = 0; read < array.length; read += 1) {
      newIndex[read] = write;
      if (array[read] !== REMOVE) array[write++] = array[read];
    }
    array.length = write;
    for (let slot = firstSlot; slot < scope.slots.length; slot += 1) {
      const pending = scope.slots[slot];
      if (pending.holder === array) pending.key = newIndex[pending.key as number];
    }
    return array;
  }

  private removed(node: MatchNode, scope: RecordScope): typeof REMOVE {
    scope.changed.push(node.governing);
    return REMOVE;
  }

  private fhirScope(resource: JsonObject, walked: WalkedRecord): RecordScope {
    let patientKey: string | null = null;
    if (this.policy.usesDateShift) {
      if (resource.resourceType === 'Patient' && typeof resource.id === 'string') patientKey = resource.id;
      for (const element of PATIENT_REFERENCES) {
        const reference = (resource[element] as { reference?: unknown } | undefined)?.reference;
        if (patientKey === null && typeof reference === 'string') patientKey = referencedId(reference);
      }
    }
    return { fhir: true, slots: walked.slots, changed: walked.changed, patientKey: () => patientKey };
  }

  /** Patient keys are read before the walk changes anything (an id may be pseudonymized on the way). */
  private flatScope(record: JsonObject, walked: WalkedRecord): RecordScope {
    const keys = new Map<CompiledRule, string | null>();
    if (this.policy.usesDateShift) {
      for (const rule of this.policy.rules) if (rule.rule.action === 'dateShift') keys.set(rule, flatPatientKey(record, rule.patientKeyPath));
    }
    return { fhir: false, slots: walked.slots, changed: walked.changed, patientKey: (rule) => keys.get(rule) ?? null };
  }
}

function flatPatientKey(record: JsonObject, path: readonly string[] | null): string | null {
  let value: unknown;
  if (path === null) {
    const rank = (field: string) => DEFAULT_PATIENT_FIELDS.indexOf(normalizeName(field));
    const best = Object.keys(record)
      .filter((field) => rank(field) >= 0)
      .sort((a, b) => rank(a) - rank(b))[0];
    value = best === undefined ? undefined : record[best];
  } else {
    value = path.reduce<unknown>((at, field) => (at !== null && typeof at === 'object' && Object.hasOwn(at, field) ? (at as JsonObject)[field] : undefined), record);
  }
  return (typeof value === 'string' && value !== '') || typeof value === 'number' ? String(value) : null;
}

function isTransforming(rule: CompiledRule): boolean {
  return rule.rule.action !== 'keep' && rule.rule.action !== 'redact';
}

/** Assignment that also works for a key named `__proto__` (JSON.parse makes it an own property). */
function setOwn(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
