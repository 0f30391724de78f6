import { Injectable } from '@nestjs/common';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { withTransactionRetry } from '../prisma/transaction-retry.js';
import { keyEventDraft } from '../audit/key-event.js';
import { KeyStatusRepository, type KeyStatus } from './key-status.repository.js';

/** Data-key rotation: a new version for new writes, stored and audited in one transaction. */
@Injectable()
export class KeyRotationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly audit: AuditLog,
    private readonly status: KeyStatusRepository,
  ) {}

  /**
   * Stores data-key version N+1 and answers once it is current: from the answer on, every instance writes
   * with it (each loaded it during the activation delay, before anyone could write with it). Existing rows
   * keep their version until a re-encryption job rewrites them.
   */
  async rotate(principal: Principal): Promise<{ version: number }> {
    const created = await withTransactionRetry(() =>
      this.prisma.$transaction(async (tx) => {
        const key = await this.keyring.addDataKeyVersion(tx);
        try {
          await this.audit.appendWithin(tx, [keyEventDraft(principal, 'rotate', { version: key.version, activatesAt: key.activatesAt.toISOString() })]);
        } catch (error) {
          throw auditUnavailable(error);
        }
        return key;
      }),
    );
    await this.keyring.untilCurrent(created.version);
    return { version: created.version };
  }

  /**
   * Versions, their row counts and retirement, as the database sees them (for `npm run keys -- status`). Audited
   * like every admin call (operation `list_keys`), and answered only once its event is committed.
   */
  async describe(principal: Principal): Promise<KeyStatus> {
    const status = await this.status.read();
    await this.audit.append([keyEventDraft(principal, 'list_keys', { current: status.current, versions: status.versions.length })]);
    return status;
  }
}
