import type { Schemas } from '../api/client';
import type { Location } from '../router';

/**
 * SLOT: the team's leaderboard and summary. The team page renders this between its header and its
 * members, with the team and the page's location (so its period, metric and page can live in the URL
 * as on /leaderboard). It shows nothing until GET /api/v1/teams/<slug>/leaderboard exists (the same
 * query and answer as /api/v1/leaderboard, restricted to the members); then this component reads it,
 * much as LeaderboardView does.
 */
export function TeamBoard(_props: { team: Schemas['Team']; where: Location }) {
  return null;
}
