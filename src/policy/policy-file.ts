import { readFileSync, statSync } from 'node:fs';
import { duplicateKeyPaths } from './json-duplicate-keys.js';
import { jsonSyntaxErrorOffset } from './json-syntax-error.js';
import { parseRevealPolicy, type PolicyParseResult } from './parse-policy.js';

const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * Reads and validates a reveal policy file (VAULT_POLICY_FILE). Problems name the JSON path of the bad
 * entry, or the line and column of a syntax error; they never quote the file. A member given twice in one
 * object (two "support" roles, two "ssn" rules) is an error: JSON.parse would silently keep the last.
 */
export function readRevealPolicyFile(file: string): PolicyParseResult {
  let text: string;
  try {
    if (statSync(file).size > MAX_POLICY_BYTES) return { problems: ['larger than 1 MiB; a reveal policy is a small JSON document'] };
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, ''); // editors on Windows may add a byte-order mark
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { problems: [code === 'ENOENT' ? 'no such file' : `cannot be read (${typeof code === 'string' ? code : 'unknown error'})`] };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { problems: [`not valid JSON${syntaxErrorPlace(text)}`] };
  }
  const duplicates = duplicateKeyPaths(text).map((path) => `${path}: is given more than once (only one entry per name; merge the duplicates)`);
  const parsed = parseRevealPolicy(document);
  if (duplicates.length === 0) return parsed;
  return { problems: [...duplicates, ...('problems' in parsed ? parsed.problems : [])] };
}

/** " (line L, column C)" of the first syntax error; V8's own message may quote the text, so it is not used. */
function syntaxErrorPlace(text: string): string {
  const offset = jsonSyntaxErrorOffset(text);
  if (offset === null) return '';
  const lines = text.slice(0, offset).split('\n');
  return ` (line ${lines.length}, column ${lines[lines.length - 1].length + 1})`;
}
