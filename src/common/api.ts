import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/** Prefix of every API route; health, metrics and docs live outside it. */
export const API_PREFIX = 'api/v1';

export const FieldErrorSchema = z
  .object({
    path: z.string().meta({ example: 'daily[3].inputTokens' }),
    message: z.string(),
    in: z.enum(['body', 'query', 'param', 'header']).optional(),
  })
  .meta({ id: 'FieldError' });

export const ProblemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:ccstats:problem:validation-failed' }),
    title: z.string().meta({ example: 'Validation failed' }),
    status: z.number().int().meta({ example: 400 }),
    detail: z.string(),
    errors: z.array(FieldErrorSchema).optional().meta({ description: 'The first 100 field errors' }),
    errorCount: z.number().int().optional().meta({ description: 'How many field errors there were, when more than are listed' }),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'An error, as RFC 9457 problem details.' });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a parameter or the body is invalid (field errors name each one).',
  401: 'Missing, unknown or revoked token.',
  403: 'The token may not do this.',
  404: 'Not found.',
  408: 'The request took longer than REQUEST_TIMEOUT_MS to arrive.',
  409: 'Conflict with existing data.',
  410: 'No longer valid (an invite that expired, was revoked or is used up).',
  413: 'The body is larger than the server accepts.',
  414: 'A path segment is longer than the server accepts.',
  415: 'The body is not JSON.',
  422: 'The report is well-formed JSON but not something the server can store.',
  429: 'Over a rate limit; Retry-After says when to try again.',
  431: 'The request headers are larger than the server accepts.',
  503: 'Not ready.',
};

/** Documents the problem responses an endpoint can give. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Error.',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}
