import { relations } from 'drizzle-orm';
import { modelUsage, usageStats, users } from './core.js';

export const usersRelations = relations(users, ({ many }) => ({
  usageStats: many(usageStats),
}));

export const usageStatsRelations = relations(usageStats, ({ one, many }) => ({
  user: one(users, { fields: [usageStats.userId], references: [users.id] }),
  models: many(modelUsage),
}));

export const modelUsageRelations = relations(modelUsage, ({ one }) => ({
  usageStats: one(usageStats, { fields: [modelUsage.usageStatsId], references: [usageStats.id] }),
}));
