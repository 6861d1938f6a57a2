import { networkInterfaces } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { LINK_EVENT_TYPES, LinkEventTypeSchema, type LinkEventType } from '../../../contract';
import { interfaceAddresses } from '../outbound/address';
import { OutboundError, SafeHttp } from '../outbound/safe-http';
import { UrlPolicy } from '../outbound/url-policy';
import type { Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { WebhookError } from './errors';
import { WebhookService } from './webhooks';

/** What the commands need of the CLI (structurally the CLI's io and its `withRuntime`). */
export interface WebhookCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  now?: () => Date;
}
export type WithStore = <T>(run: (runtime: { store: Store; vault: Vault; config: { allowedHosts: readonly string[] } }) => Promise<T>) => Promise<T>;

/** `applinks-connector webhooks add|list|remove|deliveries`: the operator API's webhook routes, offline. */
export function registerWebhookCommands(program: Command, io: WebhookCommandIo, withRuntime: WithStore): void {
  const webhooks = program.command('webhooks').description('Alert webhooks: where link events (failing, recovered, expiring, needs re-authorization) are sent');
  const service = (runtime: Parameters<Parameters<WithStore>[0]>[0]): WebhookService => {
    const policy = new UrlPolicy(runtime.config.allowedHosts, { localAddresses: () => interfaceAddresses(networkInterfaces()) });
    return new WebhookService({ store: runtime.store, vault: runtime.vault, http: new SafeHttp({ policy }), now: io.now ?? (() => new Date()) });
  };
  const refuse = (error: unknown): never => {
    if (error instanceof WebhookError || error instanceof OutboundError) {
      io.err(`webhooks: ${error.message}`);
      throw new CommanderError(1, `applinks.${error.code}`, error.message);
    }
    throw error;
  };

  webhooks
    .command('add')
    .argument('<url>', 'the receiver (https, or a host in CONNECTOR_ALLOWED_HOSTS)')
    .addOption(new Option('--events <types...>', 'which events to send (default: all)').choices([...LINK_EVENT_TYPES]))
    .option('--description <text>', 'what the endpoint is (shown in lists)')
    .description('Register an endpoint; prints its signing secret (whsec_...) once: give it to the receiver to verify signatures')
    .action(async (url: string, options: { events?: string[]; description?: string }) => {
      await withRuntime(async (runtime) => {
        const events = options.events?.map((type) => LinkEventTypeSchema.parse(type)) as LinkEventType[] | undefined;
        const created = await service(runtime).register({ url, events, description: options.description }).catch(refuse);
        io.out(`${created.id}\t${created.url}\t${created.events.join(',')}`);
        io.out(`signing secret (shown once): ${created.signingSecret}`);
      });
    });

  webhooks
    .command('list')
    .option('--json', 'print JSON')
    .description('List endpoints (never their secrets)')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const items = await service(runtime).list();
        if (options.json) io.out(JSON.stringify(items, null, 2));
        else if (items.length === 0) io.out('No webhooks yet: add one with `applinks-connector webhooks add <url>`.');
        else for (const item of items) io.out(`${item.id}\t${item.url}\t${item.events.join(',')}${item.description === null ? '' : `\t${item.description}`}`);
      });
    });

  webhooks
    .command('remove')
    .argument('<id>', 'the endpoint id (wh_...)')
    .description('Remove an endpoint and its delivery log')
    .action(async (id: string) => {
      await withRuntime(async (runtime) => {
        await service(runtime).remove(id).catch(refuse);
        io.out(`removed ${id}`);
      });
    });

  webhooks
    .command('deliveries')
    .argument('<id>', 'the endpoint id (wh_...)')
    .option('--limit <n>', 'how many, newest first', '50')
    .option('--json', 'print JSON')
    .description('An endpoint\'s delivery log: event, status, attempts, last error code')
    .action(async (id: string, options: { limit: string; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const items = await service(runtime).deliveries(id, Math.max(1, Math.min(1000, Number.parseInt(options.limit, 10) || 50))).catch(refuse);
        if (options.json) io.out(JSON.stringify(items, null, 2));
        else if (items.length === 0) io.out('No deliveries yet.');
        else {
          for (const d of items) {
            io.out([d.createdAt, d.eventType, d.linkId ?? '-', d.status, `attempts=${d.attempts}`, d.lastErrorCode ?? (d.lastStatusCode === null ? '' : `HTTP ${d.lastStatusCode}`)].join('\t'));
          }
        }
      });
    });
}
