import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import type { TokenizeItem, TokenizeMode } from '../tokens/dto/tokenize.dto.js';
import { errorLine, LineError, type LineErrorCode } from './line-error.js';
import { ndjsonLines, type RawLine } from './ndjson-lines.js';
import { placeToken, type TokenSlot } from './rule-actions.js';
import type { RecordWalker, WalkedRecord } from './record-walker.js';

/**
 * NDJSON in, NDJSON out: one output line per input line, in order. Lines are de-identified as they arrive
 * and gathered into batches; a batch's tokens are fetched with one tokenize call per mode (at most
 * `batchValues` values each), then its lines are written out together. Up to `maxInFlight` batches wait for
 * tokens at once; beyond that no more input is read, which is the backpressure towards the sender. The
 * consumer pulls this generator, which is the backpressure from the receiver.
 *
 * Invariant: a line is written out only when every value that needed a token has one; otherwise the line
 * becomes an error line. Error lines carry a line number, a code and a fixed detail, never content.
 */
export interface PipelineOptions {
  readonly maxLineBytes: number;
  readonly batchValues: number;
  readonly batchLines: number;
  readonly batchBytes: number;
  readonly maxInFlight: number;
  /** A partial batch is sent for tokens after the input has been idle this long. */
  readonly idleFlushMs: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  maxLineBytes: 8 * 1024 * 1024,
  batchValues: 1000,
  batchLines: 2000,
  batchBytes: 2 * 1024 * 1024,
  maxInFlight: 3,
  idleFlushMs: 2,
};

/** Stores values and answers their tokens in order (TokenizeService, ≤ batchValues items). */
export type FetchTokens = (mode: TokenizeMode, items: readonly TokenizeItem[]) => Promise<readonly string[]>;

export interface DeidStats {
  lines: number;
  records: number;
  errors: number;
  tokens: number;
  /** Per rule: how many values it changed in records written out. */
  readonly changed: number[];
}

interface LineWork {
  readonly line: number;
  readonly record?: unknown;
  readonly walked?: WalkedRecord;
  failure?: { readonly code: LineErrorCode; readonly detail: string };
}

interface Batch {
  readonly lines: LineWork[];
  values: number;
  bytes: number;
}

interface InFlight {
  /** The batch's output lines, in pieces of about OUTPUT_PIECE_CHARS. */
  readonly output: Promise<string[]>;
  settled: boolean;
}

export async function* deidentifyNdjson(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  walker: RecordWalker,
  fetchTokens: FetchTokens,
  stats: DeidStats,
  options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
): AsyncGenerator<string> {
  const lines = ndjsonLines(input, options.maxLineBytes)[Symbol.asyncIterator]();
  const inFlight: InFlight[] = [];
  let batch: Batch = { lines: [], values: 0, bytes: 0 };
  /** Lines read but not yet de-identified (a chunk may hold more than a batch). */
  let queued: RawLine[] = [];
  let nextQueued = 0;
  let nextLines: Promise<IteratorResult<RawLine[]>> | null = null;
  let inputDone = false;

  const send = () => {
    const flight: InFlight = { output: settleBatch(batch, fetchTokens, stats, options), settled: false };
    void flight.output.then(() => (flight.settled = true));
    inFlight.push(flight);
    batch = { lines: [], values: 0, bytes: 0 };
  };

  try {
    for (;;) {
      while (inFlight.length > 0 && inFlight[0].settled) yield* await (inFlight.shift() as InFlight).output;
      if (inFlight.length >= options.maxInFlight) {
        yield* await (inFlight.shift() as InFlight).output;
        continue;
      }
      if (nextQueued < queued.length) {
        // De-identify queued lines until a batch is full (then go round: it may have to wait for a slot).
        while (nextQueued < queued.length) {
          const raw = queued[nextQueued++];
          const work = deidentifyLine(raw, walker);
          batch.lines.push(work);
          batch.values += work.walked?.slots.length ?? 0;
          batch.bytes += 'bytes' in raw ? raw.bytes : 0;
          if (batch.values >= options.batchValues || batch.lines.length >= options.batchLines || batch.bytes >= options.batchBytes) {
            send();
            break;
          }
        }
        continue;
      }
      if (inputDone) {
        if (batch.lines.length > 0) send();
        if (inFlight.length === 0) return;
        yield* await (inFlight.shift() as InFlight).output;
        continue;
      }
      nextLines ??= lines.next();
      const idle = batch.lines.length > 0 ? delay(options.idleFlushMs) : null;
      const event = await Promise.race<{ kind: 'lines'; result: IteratorResult<RawLine[]> } | { kind: 'idle' } | { kind: 'settled' }>([
        nextLines.then((result) => ({ kind: 'lines' as const, result })),
        ...(idle === null ? [] : [idle.promise.then(() => ({ kind: 'idle' as const }))]),
        ...(inFlight.length === 0 ? [] : [inFlight[0].output.then(() => ({ kind: 'settled' as const }))]),
      ]);
      idle?.cancel();
      if (event.kind === 'idle') send();
      if (event.kind !== 'lines') continue;
      nextLines = null;
      if (event.result.done === true) inputDone = true;
      else {
        queued = event.result.value;
        nextQueued = 0;
      }
    }
  } finally {
    // Stopped early (client gone, or an error): let the batches still out settle quietly.
    for (const flight of inFlight) void flight.output.catch(() => undefined);
    void lines.return?.(undefined);
  }
}

function deidentifyLine(raw: RawLine, walker: RecordWalker): LineWork {
  if ('tooLong' in raw) return { line: raw.line, failure: { code: 'line_too_long', detail: 'The line is longer than the limit for one record.' } };
  if (raw.text.trim() === '') return { line: raw.line, failure: { code: 'malformed_json', detail: 'The line is empty.' } };
  let record: unknown;
  try {
    record = JSON.parse(raw.text);
  } catch {
    // The parser's message quotes the line: never pass it on.
    return { line: raw.line, failure: { code: 'malformed_json', detail: 'The line is not valid JSON.' } };
  }
  try {
    return { line: raw.line, record, walked: walker.walk(record) };
  } catch (error) {
    if (error instanceof LineError) return { line: raw.line, failure: { code: error.code, detail: error.detail } };
    return { line: raw.line, failure: { code: 'internal_error', detail: 'The line could not be de-identified.' } };
  }
}

/**
 * A batch's output is cut into strings of about this many characters. One string for a whole batch (some
 * 300 KB) would land in V8's large-object space, which only a full garbage collection frees: streaming a
 * million records then grew the heap by some 50 MiB of dead output before one ran.
 */
const OUTPUT_PIECE_CHARS = 16 * 1024;

/** Fetches the batch's tokens, puts them in place and writes the batch's output. Never rejects. */
async function settleBatch(batch: Batch, fetchTokens: FetchTokens, stats: DeidStats, options: PipelineOptions): Promise<string[]> {
  try {
    await fillSlots(batch.lines, fetchTokens, options.batchValues, true);
  } catch {
    for (const work of batch.lines) work.failure ??= failureOf(undefined);
  }
  const pieces: string[] = [];
  let output = '';
  for (const work of batch.lines) {
    stats.lines += 1;
    if (work.failure !== undefined) {
      stats.errors += 1;
      output += `${errorLine(work.line, work.failure.code, work.failure.detail)}\n`;
      if (output.length >= OUTPUT_PIECE_CHARS) {
        pieces.push(output);
        output = '';
      }
      continue;
    }
    const walked = work.walked as WalkedRecord;
    stats.records += 1;
    stats.tokens += walked.slots.length;
    for (const rule of walked.changed) stats.changed[rule] = (stats.changed[rule] ?? 0) + 1;
    output += `${JSON.stringify(work.record)}\n`;
    if (output.length >= OUTPUT_PIECE_CHARS) {
      pieces.push(output);
      output = '';
    }
  }
  if (output !== '') pieces.push(output);
  return pieces;
}

/** One tokenize call per mode and chunk of values. A token space running out is retried line by line. */
async function fillSlots(lines: readonly LineWork[], fetchTokens: FetchTokens, chunkSize: number, isolate: boolean): Promise<void> {
  for (const mode of ['random', 'deterministic'] as const) {
    const pending: { work: LineWork; slot: TokenSlot }[] = [];
    for (const work of lines) {
      if (work.failure !== undefined || work.walked === undefined) continue;
      for (const slot of work.walked.slots) if (slot.mode === mode) pending.push({ work, slot });
    }
    for (let start = 0; start < pending.length; start += chunkSize) {
      const chunk = pending.slice(start, start + chunkSize);
      const live = chunk.filter((entry) => entry.work.failure === undefined);
      if (live.length === 0) continue;
      try {
        const tokens = await fetchTokens(mode, live.map(({ slot }) => ({ type: slot.type, parsed: slot.parsed, patientRef: null, tags: [] })));
        live.forEach(({ slot }, index) => placeToken(slot, tokens[index]));
      } catch (error) {
        const owners = [...new Set(live.map((entry) => entry.work))];
        if (isolate && owners.length > 1 && error instanceof VaultError && error.code === ErrorCode.TokenSpaceExhausted) {
          for (const owner of owners) await fillSlots([owner], fetchTokens, chunkSize, false);
        } else {
          const failure = failureOf(error);
          for (const owner of owners) owner.failure ??= failure;
        }
      }
    }
  }
}

function failureOf(error: unknown): { code: LineErrorCode; detail: string } {
  if (error instanceof VaultError && error.code === ErrorCode.TokenSpaceExhausted) return { code: 'token_space_exhausted', detail: error.detail };
  if (error instanceof VaultError && (error.code === ErrorCode.AuditUnavailable || error.code === ErrorCode.ServiceUnavailable)) {
    return { code: 'audit_unavailable', detail: 'The tokens of this line could not be stored and audited; nothing of it was written.' };
  }
  return { code: 'internal_error', detail: 'The tokens of this line could not be stored; nothing of it was written.' };
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
