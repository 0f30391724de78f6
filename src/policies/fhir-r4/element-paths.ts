import type { Step } from '../rule-path.js';
import { FHIR_R4_RESOURCE_TYPES } from '../fhir-resource-types.js';
import { FHIR_R4_ELEMENTS } from './elements.js';

/**
 * Checks the element names of a FHIR rule path against FHIR R4 (the generated table in elements.ts), so a
 * policy naming `Patient.nmae` or `Observation.foo.bar` is refused when it is saved instead of silently
 * matching nothing. Arrays are transparent, as in the matcher; `..name` must name an element reachable below;
 * `_name` is the JSON sibling of a primitive element (its id and extensions); a nested resource (`contained`,
 * `Bundle.entry.resource`) only offers the elements every resource has, since the rules of its own type
 * apply inside it.
 */
interface Structure {
  /** Element name (choice elements expanded: valueQuantity) -> its types. */
  readonly elements: ReadonlyMap<string, readonly string[]>;
  /** Choice element base name (value) -> its types. */
  readonly choices: ReadonlyMap<string, readonly string[]>;
}

let model: ReadonlyMap<string, Structure> | null = null;

function structures(): ReadonlyMap<string, Structure> {
  if (model !== null) return model;
  const built = new Map<string, Structure>();
  for (const [owner, listing] of Object.entries(FHIR_R4_ELEMENTS)) {
    const elements = new Map<string, readonly string[]>();
    const choices = new Map<string, readonly string[]>();
    for (const entry of listing.split(' ')) {
      const colon = entry.indexOf(':');
      const name = entry.slice(0, colon);
      const types = entry.slice(colon + 1).split('|');
      if (!name.endsWith('[x]')) {
        elements.set(name, types);
        continue;
      }
      const base = name.slice(0, -'[x]'.length);
      choices.set(base, types);
      for (const type of types) elements.set(`${base}${type.charAt(0).toUpperCase()}${type.slice(1)}`, [type]);
    }
    built.set(owner, { elements, choices });
  }
  model = built;
  return built;
}

const isPrimitive = (type: string) => /^[a-z]/.test(type);

/** Why the path names something FHIR R4 does not have (without quoting it), or null when every step exists. */
export function checkFhirElements(resourceType: string, steps: readonly Step[]): string | null {
  const table = structures();
  let contexts: ReadonlySet<string> = new Set(resourceType === '*' ? [...FHIR_R4_RESOURCE_TYPES] : [resourceType]);
  for (let index = 0; index < steps.length; index += 1) {
    const step = steps[index];
    const position = `step ${index + 1}`;
    switch (step.kind) {
      case 'child': {
        const next = childTypes(table, contexts, step.name, step.choice);
        if (next === null) return `${position} names no element of ${describe(contexts)} in FHIR R4${step.choice ? ' with a choice of types ([x])' : ''}`;
        contexts = next;
        break;
      }
      case 'anyChild':
        contexts = new Set([...contexts].flatMap((context) => [...(table.get(context)?.elements.values() ?? [])].flat()).filter((type) => table.has(type)));
        break;
      case 'descendant': {
        const below = reachable(table, contexts);
        const next = childTypes(table, below, step.name, step.choice);
        if (next === null) return `${position} (..) names no element found anywhere below ${describe(contexts)} in FHIR R4`;
        contexts = next;
        break;
      }
      case 'anyDescendant':
        contexts = reachable(table, contexts);
        break;
      case 'where': {
        let relative: ReadonlySet<string> | null = contexts;
        for (const name of step.path) {
          relative = childTypes(table, relative, name, false);
          if (relative === null) return `${position} filters on an element path that ${describe(contexts)} does not have in FHIR R4`;
        }
        break;
      }
      case 'elements':
        return `${position}: [*] is JSON-path syntax; FHIR paths cross arrays implicitly`;
      default: {
        const unreachable: never = step;
        throw new Error(`unknown step ${String(unreachable)}`);
      }
    }
    if (contexts.size === 0 && index < steps.length - 1) return `${position} names a primitive value, which has no elements below it`;
  }
  return null;
}

/**
 * The structures reached by one named step from any of `contexts`, or null when none has the element. A
 * primitive element has no structure below; `_name` reaches its id and extensions.
 */
function childTypes(table: ReadonlyMap<string, Structure>, contexts: ReadonlySet<string>, name: string, choice: boolean): Set<string> | null {
  let found = false;
  const next = new Set<string>();
  const shadow = name.startsWith('_');
  const element = shadow ? name.slice(1) : name;
  for (const context of contexts) {
    const structure = table.get(context);
    const types = choice ? structure?.choices.get(element) : structure?.elements.get(element);
    if (types === undefined) continue;
    if (shadow) {
      if (!types.some(isPrimitive)) continue;
      found = true;
      next.add('Element');
      continue;
    }
    found = true;
    for (const type of types) if (table.has(type)) next.add(type);
  }
  return found ? next : null;
}

/** `contexts` and every structure at any depth below them. */
function reachable(table: ReadonlyMap<string, Structure>, contexts: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>(contexts);
  const queue = [...contexts];
  while (queue.length > 0) {
    const structure = table.get(queue.pop() as string);
    if (structure === undefined) continue;
    for (const types of structure.elements.values()) {
      for (const type of types) {
        if (!table.has(type) || seen.has(type)) continue;
        seen.add(type);
        queue.push(type);
      }
    }
  }
  // Primitive elements have JSON siblings (_name) with an id and extensions.
  seen.add('Element');
  return seen;
}

function describe(contexts: ReadonlySet<string>): string {
  if (contexts.size === 0) return 'a primitive value';
  const names = [...contexts];
  if (names.length > 3) return `any of ${names.length} FHIR structures (resources or datatypes)`;
  return names.join(' / ');
}
