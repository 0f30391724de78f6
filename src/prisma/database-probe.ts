import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service.js';

const PROBE_TIMEOUT_MS = 2_000;

/** Readiness: can the vault reach PostgreSQL right now? */
@Injectable()
export class DatabaseProbe {
  constructor(private readonly prisma: PrismaService) {}

  /** A database that accepts connections but does not answer counts as down after PROBE_TIMEOUT_MS: readiness never hangs. */
  async isUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    });
    const answered = this.prisma.$queryRaw`SELECT 1`.then(
      () => true,
      () => false, // any failure means "not ready"; the reason is not the caller's business
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
