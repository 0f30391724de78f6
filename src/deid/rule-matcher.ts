import type { ValueKind } from '../policies/policy-document.js';
import type { RulePath, Step } from '../policies/rule-path.js';
import { looksLike } from './value-shapes.js';

/**
 * Which rule governs each value of a record, as a lazily built automaton over the record's keys.
 *
 * Semantics: a value is governed by the lowest-numbered rule whose path selects the value or one of its
 * containers (a rule narrowed with `when` selects string values of its shape only). Walking down a record, a
 * MatchNode carries the partial matches still alive (rule, step) and the rule already governing this place;
 * partial matches of rules numbered above the governing one are dropped, since they could never win.
 *
 * Invariants: a node depends only on the path of keys leading to it (and, for `where` steps, on the object
 * the step filters), so nodes are interned and transitions cached; caches are bounded, and a miss only costs
 * recomputation.
 */
export const NO_RULE = Number.MAX_SAFE_INTEGER;

const STEP_BITS = 6;
const STEP_MASK = (1 << STEP_BITS) - 1;
const MAX_NODES = 20_000;
const MAX_CHILDREN_PER_NODE = 4_096;

export interface MatchableRule {
  readonly path: RulePath;
  readonly when: ValueKind | null;
  /** JSON-path names compare normalized (case, `_`, `-` and spaces ignored). */
  readonly normalizedNames: boolean;
}

export class MatchNode {
  readonly children = new Map<string, MatchNode>();
  element: MatchNode | undefined;
  whereResolved: Map<string, MatchNode> | undefined;

  constructor(
    /** Partial matches, encoded rule << 6 | step, all of rules numbered below `governing`. */
    readonly states: readonly number[],
    readonly governing: number,
    /** Complete rules narrowed by `when`, numbered below `governing`, ascending. */
    readonly whenRules: readonly number[],
    readonly hasWhere: boolean,
  ) {}

  /** Nothing below this node can change which rule governs: the whole subtree follows `governing`. */
  get settled(): boolean {
    return this.states.length === 0 && this.whenRules.length === 0;
  }
}

export class RuleMatcher {
  private readonly steps: (readonly Step[])[];
  private readonly names: (readonly (string | null)[])[];
  private readonly interned = new Map<string, MatchNode>();
  private readonly roots = new Map<string, MatchNode>();
  private readonly normalizedKeys = new Map<string, string>();

  constructor(private readonly rules: readonly MatchableRule[]) {
    if (rules.length >= 2 ** (31 - STEP_BITS)) throw new RangeError('too many rules');
    this.steps = rules.map((rule) => rule.path.steps);
    this.names = rules.map((rule) =>
      rule.path.steps.map((step) => ('name' in step ? (rule.normalizedNames && rule.path.dialect === 'json' ? normalizeName(step.name) : step.name) : null)),
    );
  }

  /** The node at the root of a flat record (`dialect: json`) or of a FHIR resource of `resourceType`. */
  root(resourceType: string | null): MatchNode {
    const cacheKey = resourceType ?? '$';
    let node = this.roots.get(cacheKey);
    if (node === undefined) {
      const states: number[] = [];
      this.rules.forEach((rule, index) => {
        const applies = resourceType === null ? rule.path.dialect === 'json' : rule.path.dialect === 'fhir' && (rule.path.resourceType === '*' || rule.path.resourceType === resourceType);
        if (applies) states.push(index << STEP_BITS);
      });
      node = this.make(states, NO_RULE);
      this.roots.set(cacheKey, node);
    }
    return node;
  }

  child(node: MatchNode, key: string): MatchNode {
    const cached = node.children.get(key);
    if (cached !== undefined) return cached;
    const next: number[] = [];
    for (const state of node.states) {
      const rule = state >> STEP_BITS;
      const index = state & STEP_MASK;
      const step = this.steps[rule][index];
      switch (step.kind) {
        case 'child':
          if (this.keyMatches(rule, index, step.choice, key)) next.push(state + 1);
          break;
        case 'anyChild':
          next.push(state + 1);
          break;
        case 'descendant':
          next.push(state);
          if (this.keyMatches(rule, index, step.choice, key)) next.push(state + 1);
          break;
        case 'anyDescendant':
          next.push(state, state + 1);
          break;
        default:
          // `elements` needs an array element, `where` an object: neither is crossed by a key.
          break;
      }
    }
    const child = this.make(next, node.governing);
    if (node.children.size < MAX_CHILDREN_PER_NODE) node.children.set(key, child);
    return child;
  }

  /**
   * Arrays are transparent: each element is selected by what selects the array (its `when` rules too,
   * since those only test primitive values), carries every partial match on, and `[*]` steps advance.
   */
  element(node: MatchNode): MatchNode {
    if (node.element !== undefined) return node.element;
    const next: number[] = node.whenRules.map((rule) => (rule << STEP_BITS) + this.steps[rule].length);
    for (const state of node.states) {
      next.push(state);
      if (this.steps[state >> STEP_BITS][state & STEP_MASK].kind === 'elements') next.push(state + 1);
    }
    node.element = this.make(next, node.governing);
    return node.element;
  }

  /** Applies pending `where(...)` filters to the object they stand on. */
  resolveWhere(node: MatchNode, object: Readonly<Record<string, unknown>>): MatchNode {
    const next: number[] = [];
    let outcome = '';
    for (const state of node.states) {
      const step = this.steps[state >> STEP_BITS][state & STEP_MASK];
      if (step.kind !== 'where') next.push(state);
      else if (hasValueAt(object, step.path, 0, step.equals)) {
        next.push(state + 1);
        outcome += '1';
      } else outcome += '0';
    }
    const cached = node.whereResolved?.get(outcome);
    if (cached !== undefined) return cached;
    const resolved = this.make(next, node.governing);
    node.whereResolved ??= new Map();
    node.whereResolved.set(outcome, resolved);
    return resolved;
  }

  /** The rule governing a primitive value at `node`, or NO_RULE. */
  ruleFor(node: MatchNode, value: unknown): number {
    if (typeof value === 'string') {
      for (const rule of node.whenRules) if (looksLike(this.rules[rule].when as ValueKind, value)) return rule;
    }
    return node.governing;
  }

  private keyMatches(rule: number, index: number, choice: boolean, key: string): boolean {
    const name = this.names[rule][index] as string;
    if (choice) return key.length > name.length && key.startsWith(name) && isUpperAscii(key.charCodeAt(name.length));
    if (!this.rules[rule].normalizedNames || this.rules[rule].path.dialect !== 'json') return key === name;
    return this.normalizedKey(key) === name;
  }

  private normalizedKey(key: string): string {
    let normalized = this.normalizedKeys.get(key);
    if (normalized === undefined) {
      normalized = normalizeName(key);
      if (this.normalizedKeys.size < MAX_NODES) this.normalizedKeys.set(key, normalized);
    }
    return normalized;
  }

  /** Settles complete matches into `governing` / `whenRules`, drops hopeless partial matches, interns. */
  private make(raw: readonly number[], inherited: number): MatchNode {
    let governing = inherited;
    for (const state of raw) {
      const rule = state >> STEP_BITS;
      if ((state & STEP_MASK) === this.steps[rule].length && this.rules[rule].when === null && rule < governing) governing = rule;
    }
    const states = new Set<number>();
    const whenRules = new Set<number>();
    for (const state of raw) {
      const rule = state >> STEP_BITS;
      if (rule >= governing) continue;
      if ((state & STEP_MASK) < this.steps[rule].length) states.add(state);
      else whenRules.add(rule);
    }
    const sortedStates = [...states].sort((a, b) => a - b);
    const sortedWhen = [...whenRules].sort((a, b) => a - b);
    const key = `${governing}|${sortedStates.join(',')}|${sortedWhen.join(',')}`;
    const existing = this.interned.get(key);
    if (existing !== undefined) return existing;
    const hasWhere = sortedStates.some((state) => this.steps[state >> STEP_BITS][state & STEP_MASK].kind === 'where');
    const node = new MatchNode(sortedStates, governing, sortedWhen, hasWhere);
    if (this.interned.size < MAX_NODES) this.interned.set(key, node);
    return node;
  }
}

/** Field names as Safe Harbor compares them: lower case, without `_`, `-` or whitespace. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

function isUpperAscii(code: number): boolean {
  return code >= 65 && code <= 90;
}

/** FHIRPath-style existence: some value at `path` (arrays crossed) equals `expected`. */
function hasValueAt(value: unknown, path: readonly string[], index: number, expected: string): boolean {
  if (Array.isArray(value)) return value.some((item) => hasValueAt(item, path, index, expected));
  if (index === path.length) return (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && String(value) === expected;
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, path[index])) return false;
  return hasValueAt((value as Record<string, unknown>)[path[index]], path, index + 1, expected);
}
