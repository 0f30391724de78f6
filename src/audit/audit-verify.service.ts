import { Injectable } from '@nestjs/common';
import { AuditQueryRepository } from './audit-query.repository.js';
import { ChainVerifier, type ChainBreakReason } from './chain-verifier.js';
import type { AuditVerifyQuery } from './dto/audit-query.dto.js';

/** Events read per query: memory stays bounded whatever the size of the log. */
const PAGE = 1000;

export type VerifyReport =
  | { readonly valid: true; readonly events: number; readonly head: string }
  | { readonly valid: false; readonly brokenAt: number; readonly reason: ChainBreakReason; readonly detail: string };

const EXPLANATIONS: Record<ChainBreakReason, (seq: bigint) => string> = {
  seq_gap: (seq) => `Event ${seq} is missing: events were removed.`,
  prev_hash_mismatch: (seq) =>
    `Event ${seq} does not link to the event stored before it: an event before it was removed, replaced or moved, or its link was edited.`,
  hash_mismatch: (seq) => `Event ${seq} no longer matches its hash: it was edited.`,
  head_mismatch: (seq) => `The hash of event ${seq} is not the exported head: the events up to it were rewritten.`,
  truncated: (seq) => `Event ${seq} is missing: the log ends before the exported head, so its tail was removed.`,
};

@Injectable()
export class AuditVerifyService {
  constructor(private readonly events: AuditQueryRepository) {}

  /**
   * Recomputes every link from seq 1, page by page, and names the first broken seq. Events appended while it
   * runs are verified too if the walk reaches them; the answer covers the events it saw.
   */
  async verify(query: AuditVerifyQuery): Promise<VerifyReport> {
    const verifier = new ChainVerifier(query.events === undefined ? null : { events: query.events, head: query.head });
    let after = 0n;
    for (;;) {
      const page = await this.events.chainPage(after, PAGE);
      for (const event of page) if (verifier.push(event) !== null) break;
      if (verifier.isBroken || page.length < PAGE) break;
      after = page[page.length - 1].seq;
    }
    const verdict = verifier.finish();
    if (verdict.valid) return { valid: true, events: Number(verdict.events), head: verdict.head.toString('hex') };
    return { valid: false, brokenAt: Number(verdict.brokenAt), reason: verdict.reason, detail: EXPLANATIONS[verdict.reason](verdict.brokenAt) };
  }
}
