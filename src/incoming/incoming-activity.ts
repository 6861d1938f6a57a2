import { IncomingActivitySchema, type IncomingActivity } from '../../contract';
import { errorFields, type Logger } from '../logger';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS } from '../storage/keys';

type TokenEvent = NonNullable<IncomingActivity['lastToken']>;
type GatewayEvent = NonNullable<IncomingActivity['lastGatewayCall']>;

const TokenSchema = IncomingActivitySchema.shape.lastToken.unwrap();
const GatewaySchema = IncomingActivitySchema.shape.lastGatewayCall.unwrap();
/** As long as a refresh token lives: older than that, the remote is not using the link. */
const KEEP_SECONDS = 90 * 86400;

/**
 * What the remote last did with a link's incoming credentials, kept per link for its admin: the
 * last token obtained (with the grant and the secret's generation) and the last gateway call.
 * Plain writes under one key each (last writer wins, which is what "last" means); a failed write
 * is logged and never fails the remote's request. No token, code or secret is kept.
 */
export class IncomingActivityLog {
  constructor(private readonly deps: { store: KeyValueStore; now: () => Date; logger: Logger }) {}

  async tokenIssued(linkId: string, event: Omit<TokenEvent, 'at'>): Promise<void> {
    await this.write(KEYS.incomingActivity(linkId, 'token'), { at: this.deps.now().toISOString(), ...event });
  }

  async gatewayCalled(linkId: string, event: Omit<GatewayEvent, 'at'>): Promise<void> {
    await this.write(KEYS.incomingActivity(linkId, 'gateway'), { at: this.deps.now().toISOString(), ...event });
  }

  async of(linkId: string): Promise<IncomingActivity> {
    const [token, gateway] = await Promise.all([this.deps.store.get(KEYS.incomingActivity(linkId, 'token')), this.deps.store.get(KEYS.incomingActivity(linkId, 'gateway'))]);
    const lastToken = TokenSchema.safeParse(token);
    const lastGatewayCall = GatewaySchema.safeParse(gateway);
    return { lastToken: lastToken.success ? lastToken.data : null, lastGatewayCall: lastGatewayCall.success ? lastGatewayCall.data : null };
  }

  private async write(key: string, value: unknown): Promise<void> {
    try {
      await this.deps.store.set(key, value, { ttlSeconds: KEEP_SECONDS });
    } catch (error) {
      this.deps.logger.warn('Could not record what the remote did', errorFields(error));
    }
  }
}
