/**
 * The path of a member in a policy document, as problems name it: `roles.clinician` for simple names,
 * `roles["night nurse"]` otherwise, so a path always reads back unambiguously; a top-level member is its
 * bare name. Entry names are policy vocabulary (roles, types, tags), never PHI, so naming them is safe.
 */
export function memberPath(parent: string, name: string): string {
  const simple = /^[A-Za-z0-9_:-]+$/.test(name);
  if (parent === '') return simple ? name : `[${JSON.stringify(name)}]`;
  return simple ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}
