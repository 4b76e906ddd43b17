import { z } from 'zod';

/**
 * Printable text: letters, marks, digits, punctuation, symbols and the plain space, nothing else.
 * No control characters (NUL cannot be stored by PostgreSQL at all), no invisible format characters
 * (zero-width joiners, bidirectional overrides that make one name look like another), no lone
 * surrogates, no line breaks or exotic spaces, and no space at either end.
 */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}](?:[\p{L}\p{M}\p{N}\p{P}\p{S} ]*[\p{L}\p{M}\p{N}\p{P}\p{S}])?$/u;

export function isPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}

export const PRINTABLE_MESSAGE = 'may hold only printable characters (no control or invisible characters, no space at either end)';

/** A name of 1 to `max` printable characters (model names, token names, agents). */
export const printableName = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => v.length > max || isPrintable(v), PRINTABLE_MESSAGE);
