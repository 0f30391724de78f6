import { Readable } from 'node:stream';
import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { describeCause } from '../common/errors/problem.filter.js';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import type { ChainedAuditEvent } from './audit-event.js';
import { AuditQueryRepository } from './audit-query.repository.js';
import { hashedFields } from './chain.js';
import type { AuditExportQuery } from './dto/audit-query.dto.js';

/** Events read per query while streaming: the export is never held in memory whole. */
const PAGE = 500;

/**
 * One line of an export: exactly the object the event's hash covers (`event`), and the chain links, so that
 * hash = SHA-256(prevHash || canonical JSON of event) can be recomputed offline
 * (scripts/verify-audit-export.mjs). `seq` is repeated as a number for convenience.
 */
export function exportLine(event: ChainedAuditEvent): string {
  return `${JSON.stringify({ seq: Number(event.seq), prevHash: event.prevHash.toString('hex'), hash: event.hash.toString('hex'), event: hashedFields(event) })}\n`;
}

@Injectable()
export class AuditExportService {
  constructor(
    private readonly events: AuditQueryRepository,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /**
   * NDJSON of the events recorded in [from, to), in seq order. The range is resolved to seqs first and
   * every seq between the first and the last is exported, so an export is always a contiguous piece of
   * the chain (clocks of several processes need not agree for it to verify). The first page is read before
   * the answer starts, so a database failure is still a proper error; a later one aborts the stream (never
   * a clean end), which the reader sees as a truncated transfer.
   */
  async open(query: AuditExportQuery): Promise<StreamableFile> {
    const range = await this.events.seqRange(query.from, query.to);
    const firstPage = range === null ? [] : await this.events.chainPage(range.first - 1n, PAGE, range.last);
    const lines = range === null ? emptyLines() : this.lines(firstPage, range.last);
    return new StreamableFile(Readable.from(lines, { objectMode: false }), { type: 'application/x-ndjson; charset=utf-8' }).setErrorLogger((error) =>
      this.logger.error({ err: describeCause(error) }, 'audit export aborted'),
    );
  }

  private async *lines(firstPage: ChainedAuditEvent[], last: bigint): AsyncGenerator<string> {
    let page = firstPage;
    while (page.length > 0) {
      yield page.map(exportLine).join('');
      const after = page[page.length - 1].seq;
      if (after >= last) return;
      page = await this.events.chainPage(after, PAGE, last);
    }
  }
}

async function* emptyLines(): AsyncGenerator<string> {}
