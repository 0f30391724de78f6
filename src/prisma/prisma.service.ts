import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client.js';
import { DATABASE, type PoolUsage, type VaultDatabase } from './database-adapter.js';

/** The only place that constructs the Prisma client. Only repositories use it. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(DATABASE) private readonly database: VaultDatabase) {
    super({ adapter: database.adapter });
  }

  get databaseKind(): VaultDatabase['kind'] {
    return this.database.kind;
  }

  /** The PostgreSQL pool's connections right now; null on the embedded database (one connection). */
  poolUsage(): PoolUsage | null {
    return this.database.poolUsage();
  }

  /**
   * One statement as its own transaction, with positional parameters ($1, $2, ...). On PostgreSQL it skips
   * Prisma's per-query work (it goes straight to the pool Prisma also uses); rows come as the driver gives them,
   * so a caller converts what it reads (int8 may arrive as a string, bytea as a Buffer or Uint8Array).
   */
  async statement<Row>(text: string, values: readonly unknown[]): Promise<Row[]> {
    if (this.database.statement !== null) return (await this.database.statement(text, values)) as Row[];
    return this.$queryRawUnsafe<Row[]>(text, ...values);
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.database.close();
  }
}

/** A transaction handle, as repositories receive it. */
export type PrismaTransaction = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];
