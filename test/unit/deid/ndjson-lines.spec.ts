import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndjsonLines, type RawLine } from '../../../src/deid/ndjson-lines.js';

async function collect(chunks: (string | Buffer)[], maxLineBytes = 1024): Promise<RawLine[]> {
  const lines: RawLine[] = [];
  for await (const batch of ndjsonLines(chunks, maxLineBytes)) lines.push(...batch);
  return lines;
}

const texts = (lines: RawLine[]) => lines.map((line) => ('text' in line ? line.text : '<too long>'));

describe('NDJSON lines', () => {
  it('numbers lines from 1, accepts CRLF, a BOM and a last line without newline', async () => {
    const lines = await collect(['\uFEFF{"a":1}\r\n{"b"', ':2}\n\n{"c":3}']);
    expect(lines.map((line) => line.line)).toEqual([1, 2, 3, 4]);
    expect(texts(lines)).toEqual(['{"a":1}', '{"b":2}', '', '{"c":3}']);
    expect(await collect(['{"a":1}\n'])).toHaveLength(1);
    expect(await collect([])).toEqual([]);
  });

  it('reports a line over the limit without holding it, and goes on', async () => {
    const long = 'x'.repeat(50);
    const lines = await collect(['{"a":1}\n', long.slice(0, 20), long.slice(20), '\n{"b":2}\n'], 30);
    expect(texts(lines)).toEqual(['{"a":1}', '<too long>', '{"b":2}']);
    expect(lines[1].line).toBe(2);
  });

  it('splits multi-byte text correctly wherever the chunks break (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\n') && !s.includes('\r')), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), async (records, cuts) => {
        const bytes = Buffer.from(records.map((record) => `${record}\n`).join(''), 'utf8');
        const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let start = 0;
        for (const point of [...points, bytes.length]) {
          chunks.push(bytes.subarray(start, point));
          start = point;
        }
        const lines = await collect(chunks, 1024);
        expect(texts(lines)).toEqual(records.map((record, index) => (index === 0 ? record.replace(/^\uFEFF/, '') : record)));
      }),
    );
  });
});
