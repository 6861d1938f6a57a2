import { ApiError } from './api';

/** The problem a resolver reported for one field (`path` as in the payload), to show under that field; other errors go to the banner. */
export const fieldError = (error: unknown, path: string): string | undefined => (error instanceof ApiError ? error.at(path) : undefined);
