/** The database schema: one file per domain under schema/, gathered here for Drizzle and drizzle-kit. */
export * from './schema/core.js';
export * from './schema/auth.js';
export * from './schema/uploads.js';
export * from './schema/summaries.js';
export * from './schema/telemetry.js';
export * from './schema/teams.js';
export * from './schema/projects.js';
export * from './schema/maintenance.js';
export * from './schema/retention.js';
export * from './schema/runtime.js';
export * from './schema/relations.js';
