import type { TestDatabase } from '../helpers/database.js';
import { useTestApp } from '../helpers/test-app.js';

/**
 * The schema as PostgreSQL reports it after the committed migrations ran, compared with
 * docs/spec/database-structure.md (token counts BIGINT by decision, see docs/ARCHITECTURE.md).
 */
type Column = [name: string, type: string, nullable: 'YES' | 'NO', defaultValue: string | null];

const tokenColumns = (names: string[]): Column[] => names.map((n) => [n, 'bigint', 'NO', '0']);

const SPEC: Record<string, Column[]> = {
  users: [
    ['id', 'integer', 'NO', "nextval('users_id_seq'::regclass)"],
    ['username', 'character varying(50)', 'NO', null],
    ['created_at', 'timestamp without time zone', 'NO', 'now()'],
    ['updated_at', 'timestamp without time zone', 'NO', 'now()'],
    // Privacy (issue 13; docs/privacy.md, and "Decisions" in docs/ARCHITECTURE.md): beyond the spec.
    ['visibility', 'character varying(10)', 'NO', "'public'::character varying"],
    ['show_cost', 'boolean', 'NO', 'true'],
    ['display_name', 'character varying(100)', 'YES', null],
  ],
  usage_stats: [
    ['id', 'integer', 'NO', "nextval('usage_stats_id_seq'::regclass)"],
    ['user_id', 'integer', 'NO', null],
    ['date', 'date', 'NO', null],
    ...tokenColumns(['total_tokens', 'input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']),
    ['total_cost', 'numeric(10,4)', 'NO', "'0'::numeric"],
    ['created_at', 'timestamp without time zone', 'NO', 'now()'],
    ['updated_at', 'timestamp without time zone', 'NO', 'now()'],
  ],
  model_usage: [
    ['id', 'integer', 'NO', "nextval('model_usage_id_seq'::regclass)"],
    ['usage_stats_id', 'integer', 'NO', null],
    ['model', 'character varying(100)', 'NO', null],
    ['provider', 'character varying(50)', 'NO', null],
    ...tokenColumns(['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']),
    ['cost', 'numeric(10,4)', 'NO', "'0'::numeric"],
    ['created_at', 'timestamp without time zone', 'NO', 'now()'],
  ],
};

describe('the schema created by the migrations', () => {
  let db: TestDatabase;

  useTestApp({}, (app) => ({ db } = app));

  it.each(Object.keys(SPEC))('%s has the spec columns, types, NOT NULLs and defaults, in order', async (table) => {
    const rows = await db.query<{ column_name: string; type: string; is_nullable: 'YES' | 'NO'; column_default: string | null }>(
      `SELECT c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable, c.column_default
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = ('public.' || c.table_name)::regclass AND a.attname = c.column_name
        WHERE c.table_schema = 'public' AND c.table_name = $1
        ORDER BY c.ordinal_position`,
      [table],
    );
    expect(rows.map((r) => [r.column_name, r.type, r.is_nullable, r.column_default])).toEqual(SPEC[table]);
  });

  it('has the spec indexes', async () => {
    const rows = await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND indexname IN ('username_idx', 'user_date_idx', 'date_idx', 'usage_stats_model_idx')
        ORDER BY indexname`,
    );
    expect(rows).toEqual([
      { indexname: 'date_idx', indexdef: 'CREATE INDEX date_idx ON public.usage_stats USING btree (date)' },
      { indexname: 'usage_stats_model_idx', indexdef: 'CREATE INDEX usage_stats_model_idx ON public.model_usage USING btree (usage_stats_id, model)' },
      { indexname: 'user_date_idx', indexdef: 'CREATE UNIQUE INDEX user_date_idx ON public.usage_stats USING btree (user_id, date)' },
      { indexname: 'username_idx', indexdef: 'CREATE UNIQUE INDEX username_idx ON public.users USING btree (username)' },
    ]);
  });

  it('has the spec constraints: primary keys, UNIQUE(username), UNIQUE(user_id, date), cascading foreign keys', async () => {
    const rows = await db.query<{ table_name: string; def: string }>(
      `SELECT conrelid::regclass::text AS table_name, pg_get_constraintdef(oid) AS def
         FROM pg_constraint -- contype 'n' (NOT NULL, PostgreSQL 18) is checked with the columns
        WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f', 'c') AND conrelid::regclass::text IN ('users', 'usage_stats', 'model_usage')
        ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { table_name: 'model_usage', def: 'FOREIGN KEY (usage_stats_id) REFERENCES usage_stats(id) ON DELETE CASCADE' },
      { table_name: 'model_usage', def: 'PRIMARY KEY (id)' },
      { table_name: 'usage_stats', def: 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE' },
      { table_name: 'usage_stats', def: 'PRIMARY KEY (id)' },
      { table_name: 'usage_stats', def: 'UNIQUE (user_id, date)' },
      // Privacy, beyond the spec (see the columns above).
      {
        table_name: 'users',
        def: "CHECK (((visibility)::text = ANY ((ARRAY['public'::character varying, 'teams'::character varying, 'private'::character varying])::text[])))",
      },
      { table_name: 'users', def: 'PRIMARY KEY (id)' },
      { table_name: 'users', def: 'UNIQUE (username)' },
    ]);
  });

  it('stores token counts above 2^32 exactly and cascades deletes from users down to model_usage', async () => {
    const [user] = await db.query<{ id: number }>(`INSERT INTO users (username) VALUES ('schema-check') RETURNING id`);
    // heavy-claude-daily.json, 2025-07-14: 4,646,587,200 tokens in the day.
    const [stats] = await db.query<{ id: number; total_tokens: string | number }>(
      `INSERT INTO usage_stats (user_id, date, total_tokens, total_cost) VALUES ($1, '2025-07-14', 4646587200, 123456.78901)
       RETURNING id, total_tokens::text AS total_tokens`,
      [user.id],
    );
    expect(String(stats.total_tokens)).toBe('4646587200');
    await db.query(
      `INSERT INTO model_usage (usage_stats_id, model, provider, cache_read_input_tokens) VALUES ($1, 'claude-opus-4-1-20250805', 'anthropic', 3500000000)`,
      [stats.id],
    );
    const [cost] = await db.query<{ total_cost: string }>(`SELECT total_cost::text AS total_cost FROM usage_stats WHERE id = $1`, [stats.id]);
    expect(cost.total_cost).toBe('123456.7890');
    await db.query(`DELETE FROM users WHERE id = $1`, [user.id]);
    const [left] = await db.query<{ s: string | number; m: string | number }>(
      `SELECT (SELECT count(*) FROM usage_stats WHERE id = $1) AS s, (SELECT count(*) FROM model_usage WHERE usage_stats_id = $1) AS m`,
      [stats.id],
    );
    expect([Number(left.s), Number(left.m)]).toEqual([0, 0]);
  });
});
