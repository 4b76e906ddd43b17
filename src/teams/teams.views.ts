import { columns, type CsvView } from '../common/http-views.js';
import type { TeamList, TeamMemberList } from './teams.schemas.js';

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
