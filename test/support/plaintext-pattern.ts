/**
 * A pattern for `value` appearing as a value in a response: not as a run inside a longer run of letters and
 * digits. A leaked value is set off by JSON quotes, spaces or punctuation; a five-digit ZIP, on the other hand,
 * turns up by chance inside SHA-256 hex, UUIDs and random digit tokens (about one matrix run in fifty).
 */
export function plaintextPattern(value: string): RegExp {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u');
}
