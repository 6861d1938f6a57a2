/**
 * Forge's web trigger request and response (the shape `@forge/api` declares as WebTriggerRequest
 * and WebTriggerResponse). Header names are matched case-insensitively: Forge passes them through
 * as the caller sent them, each with a list of values.
 */
export interface WebTriggerRequest {
  method: string;
  path?: string;
  /** The path after the trigger's URL (Forge passes it since late 2025; older types lack it). */
  userPath?: string;
  headers?: Record<string, string[] | undefined>;
  queryParameters?: Record<string, string[] | undefined>;
  body?: string;
}

export interface WebTriggerResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: string;
}

export type WebTriggerHandler = (request: WebTriggerRequest, context?: unknown) => Promise<WebTriggerResponse>;

/** Every value of a header, whatever the case of its name. */
export function headerValues(request: WebTriggerRequest, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, list] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && list !== undefined) values.push(...list);
  }
  return values;
}

/** The single value of a header; undefined when absent or sent more than once. */
export function singleHeader(request: WebTriggerRequest, name: string): string | undefined {
  const values = headerValues(request, name);
  return values.length === 1 ? values[0] : undefined;
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): WebTriggerResponse {
  return {
    statusCode,
    headers: {
      'Content-Type': ['application/json;charset=UTF-8'],
      // Token responses and token errors must not be cached (RFC 6749 section 5.1).
      'Cache-Control': ['no-store'],
      Pragma: ['no-cache'],
      ...Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
    },
    body: JSON.stringify(body),
  };
}
