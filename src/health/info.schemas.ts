import { z } from 'zod';

export const InfoSchema = z
  .object({
    name: z.string().meta({ example: 'claude-code-stats-server' }),
    version: z.string().meta({ example: '0.1.0' }),
    database: z.object({
      backend: z.enum(['embedded', 'postgres']),
      serverVersion: z.string().meta({ example: '15.19 (Debian 15.19-0+deb12u1)' }),
    }),
    migrations: z.object({
      applied: z.number().int().meta({ description: 'Migrations recorded in this database' }),
      available: z.number().int().meta({ description: 'Migrations this build ships in drizzle/' }),
    }),
  })
  .meta({ id: 'Info' });

export type Info = z.infer<typeof InfoSchema>;
