import os from 'node:os';

const round = (n, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

/** The machine and PostgreSQL a benchmark ran on, for its results file. */
export async function machine(pool) {
  const q = async (s) => (await pool.query(s)).rows[0];
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: (await q('SHOW server_version')).server_version,
    postgresSettings: {
      shared_buffers: (await q('SHOW shared_buffers')).shared_buffers,
      work_mem: (await q('SHOW work_mem')).work_mem,
      effective_cache_size: (await q('SHOW effective_cache_size')).effective_cache_size,
      max_parallel_workers_per_gather: (await q('SHOW max_parallel_workers_per_gather')).max_parallel_workers_per_gather,
    },
  };
}
