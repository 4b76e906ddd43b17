import { columns, type CsvView } from '../common/http-views.js';
import type { UserList } from './users.schemas.js';

type Listed = UserList['users'][number];
export const USERS_CSV: CsvView<UserList, Listed> = {
  filename: () => 'users.csv',
  rows: (body) => body.users,
  columns: columns<Listed>('username', 'createdAt', 'firstDate', 'lastDate', 'activeDays', 'totalTokens', 'totalCost', 'displayName'),
};
