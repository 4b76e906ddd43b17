import { z } from 'zod';

const CheckSchema = z
  .looseObject({
    status: z.enum(['up', 'down', 'degraded']),
    message: z.string().optional(),
  })
  .meta({ id: 'HealthCheck' });

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'error', 'degraded', 'shutting_down']).meta({ example: 'ok' }),
    info: z.record(z.string(), CheckSchema).optional().meta({ description: 'Checks that are up (or degraded)' }),
    error: z.record(z.string(), CheckSchema).optional().meta({ description: 'Checks that are down, by name' }),
    details: z.record(z.string(), CheckSchema).meta({
      description: 'Every check by name',
      example: {
        database: { status: 'up', backend: 'postgres' },
        migrations: { status: 'up', applied: 2, committed: 2 },
        backupDisk: { status: 'up', directory: '/backups', freeMb: 20480, minFreeMb: 512 },
        heap: { status: 'up', usedMb: 84, maxMb: 1536 },
      },
    }),
  })
  .meta({ id: 'Health', description: 'Terminus health check result' });
