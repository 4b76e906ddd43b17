/**
 * PostgreSQL advisory lock keys, one per job that must run on one replica at a time. They share
 * the 64-bit key space with anything else in the database, hence the unusual prefix (0x0CC5).
 */
export const LOCK_KEYS = {
  migrations: 0x0cc5_0001,
  backup: 0x0cc5_0002,
  retention: 0x0cc5_0003,
  sharedFold: 0x0cc5_0004,
  readModelPrune: 0x0cc5_0005,
} as const;
