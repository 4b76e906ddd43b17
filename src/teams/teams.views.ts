import { columns, type CsvView } from '../common/http-views.js';
import { LEADERBOARD_CSV } from '../usage/usage.views.js';
import type { TeamLeaderboard, TeamList, TeamMemberList } from './teams.schemas.js';

type ListedTeam = TeamList['teams'][number];
export const TEAMS_CSV: CsvView<TeamList, ListedTeam> = {
  filename: () => 'teams.csv',
  rows: (body) => body.teams,
  columns: columns<ListedTeam>('slug', 'name', 'visibility', 'memberCount', 'role', 'createdAt'),
};

type Member = TeamMemberList['members'][number];
export const TEAM_MEMBERS_CSV: CsvView<TeamMemberList, Member> = {
  filename: (body) => `${body.team}-members.csv`,
  rows: (body) => body.members,
  columns: columns<Member>('username', 'role', 'joinedAt'),
};

type Entry = TeamLeaderboard['entries'][number];
/** The community leaderboard's columns, under the team's name. */
export const TEAM_LEADERBOARD_CSV: CsvView<TeamLeaderboard, Entry> = {
  filename: (body) => `${body.team}-leaderboard-${body.period}.csv`,
  rows: (body) => body.entries,
  columns: LEADERBOARD_CSV.columns,
};
