import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service.js';

/** Readiness: can the vault reach PostgreSQL right now? */
@Injectable()
export class DatabaseProbe {
  constructor(private readonly prisma: PrismaService) {}

  async isUp(): Promise<boolean> {
    try {
      await this.prisma.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false; // any failure means "not ready"; the reason is not the caller's business
    }
  }
}
