import { z } from 'zod';

/** What a username may be: every route that names a user validates it with these. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;

export const usernameSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .regex(USERNAME_PATTERN, 'may contain letters, digits, _ . - and must start with a letter or digit')
  .meta({ example: 'alice' });

export const UsernameParamSchema = z.object({ username: usernameSchema });
