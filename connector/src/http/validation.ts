import type { ZodError, ZodType } from 'zod';
import type { ApiIssue } from '../../../contract';
import { HttpError } from './errors';

/**
 * Turns zod issues into the envelope's `issues`. Only the path and zod's message are kept: zod
 * messages describe types and allowed values, never the value that was sent, which could be a
 * secret typed into the wrong field.
 */
export function zodIssues(error: ZodError): ApiIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.map((k) => k.slice(0, 64)).join(', ')}` : issue.message,
  }));
}

/** Parses one part of a request, answering 400 with every issue when it does not fit. */
export function parseInput<T>(schema: ZodType<T>, value: unknown, part: 'body' | 'query' | 'params'): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError('VALIDATION_FAILED', `The request ${part} does not match what this endpoint accepts.`, zodIssues(result.error));
  }
  return result.data;
}
