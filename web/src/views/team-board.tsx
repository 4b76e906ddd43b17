import { api, data, type Schemas } from '../api/client';
import type { Location } from '../router';
import { Board } from './leaderboard';

/**
 * The team's leaderboard on its page: the community board's controls, pages and CSV over
 * GET /teams/<slug>/leaderboard (the same query and answer, restricted to the members the viewer may
 * see). Its page is `boardPage` in the URL: `page` already pages the member list below it.
 */
export function TeamBoard({ team, where }: { team: Schemas['Team']; where: Location }) {
  const slug = team.slug;
  return (
    <section class="team-board" data-testid="team-board">
      <h2>Leaderboard</h2>
      <p class="hint">Each member’s usage over the whole period counts, whatever the day they joined.</p>
      <Board
        where={where}
        name={`team|${slug}`}
        pageParam="boardPage"
        csvPath={`/api/v1/teams/${encodeURIComponent(slug)}/leaderboard`}
        fetchBoard={(query) => data(api.GET('/api/v1/teams/{slug}/leaderboard', { params: { path: { slug }, query: { ...query, sparklines: 'true' } } }))}
      />
    </section>
  );
}
