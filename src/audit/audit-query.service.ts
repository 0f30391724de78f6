import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { tokenKey } from '../formats/token-key.js';
import { toEventView, type AuditEventView } from './audit-event.view.js';
import { AuditQueryRepository } from './audit-query.repository.js';
import { DEFAULT_PAGE, encodeCursor, type AuditListQuery } from './dto/audit-query.dto.js';

export interface AuditEventPage {
  readonly items: readonly AuditEventView[];
  readonly nextCursor: string | null;
}

@Injectable()
export class AuditQueryService {
  constructor(private readonly events: AuditQueryRepository) {}

  /** Newest first. Keyset paging on seq: a page never repeats or skips an event, even while the log grows. */
  async list(query: AuditListQuery): Promise<AuditEventPage> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await this.events.list(
      {
        actor: query.actor,
        action: query.action,
        purpose: query.purpose,
        breakGlass: query.breakGlass,
        review: query.review,
        // Any rendering of a token finds it: events store the type-independent keys of the tokens they touched.
        tokenKey: query.token === undefined ? undefined : tokenKey(query.token),
        from: query.from,
        to: query.to,
        beforeSeq: query.cursor,
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null;
    return { items: page.map(toEventView), nextCursor };
  }

  async get(id: string): Promise<AuditEventView> {
    const event = await this.events.findById(id);
    if (event === null) throw new VaultError(ErrorCode.NotFound, 'No such audit event.');
    return toEventView(event);
  }
}
