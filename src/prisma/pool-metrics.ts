import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../health/metrics.service.js';
import { PrismaService } from './prisma.service.js';

/**
 * Pool saturation, read at scrape time: connections in use over the pool's size, and callers waiting for a
 * connection (a sustained non-zero wait means DATABASE_POOL_SIZE, or PostgreSQL, is the bottleneck).
 * Absent on the embedded database, which has one connection and no pool.
 */
@Injectable()
export class PoolMetrics {
  constructor(prisma: PrismaService, metrics: MetricsService) {
    if (prisma.poolUsage() === null) return;
    const read = () => prisma.poolUsage() ?? { max: 0, total: 0, idle: 0, waiting: 0 };
    const connections: Gauge<'state'> = new Gauge({
      name: 'phi_vault_db_pool_connections',
      help: 'PostgreSQL pool connections by state (in_use, idle) and the pool size (max)',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      collect: () => {
        const usage = read();
        connections.set({ state: 'in_use' }, usage.total - usage.idle);
        connections.set({ state: 'idle' }, usage.idle);
        connections.set({ state: 'max' }, usage.max);
      },
    });
    const waiting: Gauge = new Gauge({
      name: 'phi_vault_db_pool_waiting',
      help: 'Callers waiting for a PostgreSQL pool connection',
      registers: [metrics.registry],
      collect: () => {
        waiting.set(read().waiting);
      },
    });
    const saturation: Gauge = new Gauge({
      name: 'phi_vault_db_pool_saturation',
      help: 'Share of the PostgreSQL pool in use (0 to 1)',
      registers: [metrics.registry],
      collect: () => {
        const usage = read();
        saturation.set(usage.max === 0 ? 0 : (usage.total - usage.idle) / usage.max);
      },
    });
  }
}
