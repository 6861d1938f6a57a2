/**
 * Reads the Boom errors that simple-oauth2 5.1 (through @hapi/wreck 18) rejects with, and tells
 * apart what happened. Measured in @hapi/wreck's source:
 *
 * - HTTP status >= 400 with a JSON body: `data.isResponseError`, status in `output.statusCode`,
 *   parsed body in `data.payload`.
 * - A body that is not JSON (an HTML error page, a redirect, an empty body) on any status: a
 *   406 "content-type is not JSON compatible" (or a 400 for broken JSON) without
 *   `isResponseError`; the real answer is in `data.res`.
 * - No answer within `timeout`: a 504 "Client request timeout"; body not read within `timeout`:
 *   a 408, with `data.res`.
 * - No answer at all (DNS, refused, TLS): a 502 "Client request error" whose `data` is Node's
 *   system error.
 *
 * The Boom error itself is never kept as a cause: `data.res` leads to the request, whose headers
 * hold the client secret when it is sent as HTTP Basic.
 */

export interface BoomLike {
  isBoom: true;
  message: string;
  output: { statusCode: number };
  data?: unknown;
}

export function isBoom(error: unknown): error is BoomLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isBoom?: unknown }).isBoom === true &&
    typeof (error as { output?: { statusCode?: unknown } }).output?.statusCode === 'number'
  );
}

export type BoomAnswer =
  | { kind: 'timeout' }
  | { kind: 'error-answer'; httpStatus: number; error: string | undefined; errorDescription: string | undefined }
  | { kind: 'unreadable-answer'; httpStatus: number; what: string }
  | { kind: 'no-answer'; cause: unknown };

interface ResponseLike {
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
}

export function readBoomAnswer(boom: BoomLike): BoomAnswer {
  const data = (typeof boom.data === 'object' && boom.data !== null ? boom.data : {}) as {
    isResponseError?: boolean;
    payload?: unknown;
    res?: ResponseLike;
  };

  if (data.isResponseError === true) {
    const payload = (typeof data.payload === 'object' && data.payload !== null ? data.payload : {}) as Record<string, unknown>;
    return {
      kind: 'error-answer',
      httpStatus: boom.output.statusCode,
      error: typeof payload.error === 'string' && payload.error !== '' ? payload.error : undefined,
      errorDescription: typeof payload.error_description === 'string' ? payload.error_description : undefined,
    };
  }

  if (data.res !== undefined) {
    if (boom.output.statusCode === 408) return { kind: 'timeout' };
    const httpStatus = data.res.statusCode ?? 0;
    const headers = data.res.headers ?? {};
    const location = headers.location;
    if (httpStatus >= 300 && httpStatus < 400 && typeof location === 'string') {
      return { kind: 'unreadable-answer', httpStatus, what: `with a redirect to ${withoutQuery(location)} (use the address it redirects to)` };
    }
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'].split(';')[0] : undefined;
    return {
      kind: 'unreadable-answer',
      httpStatus,
      what: `with a body that is not JSON (${contentType ?? 'no content type'}): is this the OAuth 2.0 token endpoint?`,
    };
  }

  if (boom.output.statusCode === 504 && /timeout/i.test(boom.message)) return { kind: 'timeout' };

  // Wreck wraps the system error (ECONNREFUSED, ENOTFOUND, TLS...) as `data`. Duck-typed, not
  // `instanceof Error`: Node's errors come from another realm under jest.
  // Errors raised before a socket exists (a lookup refusal) are boomified in place instead: the
  // code is then on the Boom itself.
  const systemError = boom.data as { message?: unknown } | undefined;
  if (typeof systemError?.message === 'string') return { kind: 'no-answer', cause: systemError };
  const own = boom as { code?: unknown; message?: unknown };
  return { kind: 'no-answer', cause: typeof own.code === 'string' ? { code: own.code, message: own.message } : undefined };
}

function withoutQuery(location: string): string {
  const end = location.search(/[?#]/);
  return end === -1 ? location : location.slice(0, end);
}
