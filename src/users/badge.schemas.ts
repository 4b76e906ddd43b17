import { z } from 'zod';
import { printableName } from '../common/text.js';
import { PERIODS } from '../read-model/periods.js';
import { METRICS } from '../read-model/sums.js';
import { BADGE_STYLES } from './badge.svg.js';

/** Longest label a badge takes: more would make a badge wider than a README line. */
export const MAX_BADGE_LABEL = 40;

export const BadgeQuerySchema = z.object({
  metric: z
    .enum(METRICS, { error: `must be one of ${METRICS.join(', ')}` })
    .default('tokens')
    .meta({ description: 'What the badge counts: tokens (all kinds), cost (USD), or one kind of tokens' }),
  period: z
    .enum(PERIODS, { error: `must be one of ${PERIODS.join(', ')}` })
    .default('30d')
    .meta({ description: 'The days counted, as on the leaderboard: rolling ones end today (UTC)' }),
  label: printableName(MAX_BADGE_LABEL)
    .optional()
    .meta({ description: 'The grey left-hand text; default "claude code" and the period', example: 'Claude Code 30d' }),
  style: z
    .enum(BADGE_STYLES, { error: `must be one of ${BADGE_STYLES.join(', ')}` })
    .default('flat')
    .meta({ description: "shields' flat style (rounded, with a gradient and a text shadow) or flat-square (square, plain)" }),
});
export type BadgeQuery = z.infer<typeof BadgeQuerySchema>;
