/**
 * Splits an NDJSON byte stream into numbered lines without ever holding more than one line (up to
 * `maxLineBytes`) beyond the chunk at hand. A longer line is skipped as it streams by and reported as
 * too long. `\r\n` endings and a leading UTF-8 byte order mark are accepted; the last line needs no newline.
 * Lines are only split at 0x0A, which never occurs inside a multi-byte UTF-8 sequence.
 */
export type RawLine = { readonly line: number; readonly text: string; readonly bytes: number } | { readonly line: number; readonly tooLong: true };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = '\uFEFF';

export async function* ndjsonLines(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<RawLine[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let line = 0;

  const finish = (tail: Buffer): RawLine => {
    line += 1;
    if (overflow || pendingBytes + tail.length > maxLineBytes) {
      pending = [];
      pendingBytes = 0;
      overflow = false;
      return { line, tooLong: true };
    }
    let bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    let text = bytes.toString('utf8');
    if (line === 1 && text.startsWith(BOM)) text = text.slice(1);
    return { line, text, bytes: bytes.length };
  };

  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    const lines: RawLine[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      lines.push(finish(chunk.subarray(start, newline)));
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (overflow || pendingBytes + rest.length > maxLineBytes) {
        // Too long already: drop what we have and remember to report it when its newline comes.
        overflow = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // A copy, so the line does not pin the whole chunk in memory.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    }
    if (lines.length > 0) yield lines;
  }
  if (overflow || pendingBytes > 0) yield [finish(Buffer.alloc(0))];
}
