import { memberPath } from './policy-path.js';

/**
 * The paths of object members that a (valid) JSON text names more than once, in document order, each once.
 * JSON.parse silently keeps the last of them, so a policy with two "support" entries would quietly lose
 * one: the policy file refuses them instead. Paths read like the policy's other problems (`roles.support`,
 * `roles["night nurse"].types.ssn`); the text must already have parsed, so this scanner need not report
 * syntax errors (json-syntax-error.ts does).
 */
export function duplicateKeyPaths(text: string): string[] {
  const duplicates: string[] = [];
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const string = (): string => {
    const start = at;
    at++; // opening quote
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (path: string): void => {
    space();
    const char = text[at];
    if (char === '{') return object(path);
    if (char === '[') return array(path);
    if (char === '"') return void string();
    while (at < text.length && !',]} \t\n\r'.includes(text[at])) at++; // a number, true, false or null
  };
  const object = (path: string) => {
    const seen = new Set<string>();
    const reported = new Set<string>();
    at++;
    space();
    if (text[at] === '}') return void at++;
    for (;;) {
      space();
      const key = string();
      const child = memberPath(path, key);
      if (seen.has(key) && !reported.has(key)) {
        duplicates.push(child);
        reported.add(key);
      }
      seen.add(key);
      space();
      at++; // ':'
      value(child);
      space();
      if (text[at++] === '}') return;
    }
  };
  const array = (path: string) => {
    at++;
    space();
    if (text[at] === ']') return void at++;
    for (let index = 0; ; index++) {
      value(`${path}[${index}]`);
      space();
      if (text[at++] === ']') return;
    }
  };
  value('');
  return duplicates;
}
