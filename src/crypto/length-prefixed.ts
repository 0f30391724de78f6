/**
 * An unambiguous byte encoding of a list of parts: each part is its UTF-8 (or raw) bytes preceded by a
 * uint32 big-endian byte length. Distinct lists always encode to distinct bytes, so ("ab", "c") and
 * ("a", "bc") never collide when fed to a MAC or used as AES-GCM associated data.
 */
export type Part = string | Uint8Array;

const LENGTH_BYTES = 4;

export function lengthPrefixed(...parts: Part[]): Buffer {
  const encoded = parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part));
  const total = encoded.reduce((sum, bytes) => sum + LENGTH_BYTES + bytes.length, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const bytes of encoded) {
    offset = out.writeUInt32BE(bytes.length, offset);
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}
