// Used by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` where the schema engine exists).
// The vault itself never reads this file: it gets its database URL from the validated configuration.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/phi_vault' },
});
