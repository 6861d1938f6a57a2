import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Field names that hold secrets anywhere in a log object. pino replaces them before a line is
 * written. This is the second line of defence: code does not log secrets in the first place.
 */
export const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'id_token',
  'apiKey',
  'code_verifier',
  'codeVerifier',
  'masterKey',
  'adminToken',
];

const redactPaths = REDACTED_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? '' : '.';
  return [k, `*${dot}${k}`, `*.*${dot}${k}`, `req.headers${dot}${k}`];
});

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      // The query string is dropped: the OAuth callback carries `code` and `state` in it.
      req: (req: { method?: string; url?: string; id?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    base: { service: 'applinks-connector' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination);
}
