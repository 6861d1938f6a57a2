export const WEBHOOK_ERROR_CODES = ['WEBHOOK_NOT_FOUND'] as const;
export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[number];

/** Why an alert webhook cannot be read or removed. */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}
