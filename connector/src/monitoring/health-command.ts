import { Command, CommanderError } from 'commander';
import { CHECK_INTERVAL_MINUTES, CheckIntervalSchema, type LinkHealth, type Uptime } from '../../../contract';
import type { Store } from '../storage/store';
import { linkHealth } from './health-view';

export interface HealthCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  now?: () => Date;
  /** Opens the store for one command and closes it after. */
  withStore<T>(run: (store: Store) => Promise<T>): Promise<T>;
}

const percent = (u: Uptime): string => (u.ratio === null ? 'no checks' : `${(u.ratio * 100).toFixed(u.ratio === 1 ? 0 : 1)} % of ${u.checks}`);

/** The health view as a person reads it in a terminal: state, uptime, what breaks when, transitions and failures. */
export function formatHealth(h: LinkHealth, name: string): string[] {
  const lines = [
    `${name} (${h.linkId})`,
    `state        ${h.state}${h.since === null ? '' : ` since ${h.since}`}${h.consecutiveFailures > 0 ? `, ${h.consecutiveFailures} failed check(s) in a row` : ''}`,
    `checks       ${h.intervalMinutes === null ? 'off' : `every ${h.intervalMinutes} min`}; last ${h.lastCheckedAt ?? 'never'}; next ${h.nextCheckAt ?? '-'}`,
    `uptime       24 h ${percent(h.uptime.day)} | 7 d ${percent(h.uptime.week)} | 30 d ${percent(h.uptime.month)}`,
  ];
  if (h.lastFailure !== null) lines.push(`failing at   ${h.lastFailure.stage}: ${h.lastFailure.code}. ${h.lastFailure.hint}`);
  if (h.breaksIn !== null) lines.push(`BREAKS IN ${h.breaksIn.daysLeft} DAYS: ${h.breaksIn.kind} expires ${h.breaksIn.expiresAt} (${h.breaksIn.source})`);
  for (const f of h.forecasts) lines.push(`expires      ${f.expiresAt} ${f.kind} (${f.source})`);
  if (h.latency.length > 0) lines.push(`latency      ${h.latency.map((l) => `${l.stage} ${l.meanMs} ms`).join(', ')}`);
  lines.push(h.transitions.length === 0 ? 'transitions  none in 30 days' : 'transitions');
  for (const t of h.transitions) lines.push(`  ${t.at}  ${t.type}${t.code === null ? '' : ` ${t.stage ?? ''} ${t.code}`}`);
  lines.push(h.failures.length === 0 ? 'failures     none in 30 days' : `failures (${h.failures.length}, newest first)`);
  for (const f of h.failures.slice(0, 20)) lines.push(`  ${f.at}  ${f.stage} ${f.code}: ${f.message}`);
  return lines;
}

function fail(io: HealthCommandIo, message: string): never {
  io.err(message);
  throw new CommanderError(1, 'applinks.LINK_NOT_FOUND', message);
}

/** `links health <id>` and `links check-interval <id> <minutes|off>`, on the CLI's `links` command. */
export function registerHealthCommands(links: Command, io: HealthCommandIo): void {
  links
    .command('health')
    .argument('<id>', 'the link id')
    .option('--json', 'print the health view as JSON (as GET /v1/links/:id/health)')
    .description("A link's health: state, uptime over 24 h, 7 d and 30 d, stage latency, what expires when, transitions and failures of the last 30 days")
    .action(async (id: string, options: { json?: boolean }) => {
      await io.withStore(async (store) => {
        const link = await store.links.get(id);
        if (link === undefined) fail(io, `No link with id ${id}.`);
        const health = await linkHealth({ store, now: io.now ?? (() => new Date()) }, link);
        if (options.json === true) io.out(JSON.stringify(health, null, 2));
        else for (const line of formatHealth(health, link.name)) io.out(line);
      });
    });
  links
    .command('check-interval')
    .argument('<id>', 'the link id')
    .argument('<minutes>', `minutes between scheduled checks (${CHECK_INTERVAL_MINUTES.min} to ${CHECK_INTERVAL_MINUTES.max}), or "off"`)
    .description('Set how often a link is checked')
    .action(async (id: string, minutes: string) => {
      const parsed = CheckIntervalSchema.safeParse(minutes === 'off' ? null : Number(minutes));
      if (!parsed.success) fail(io, `The interval must be a whole number of minutes from ${CHECK_INTERVAL_MINUTES.min} to ${CHECK_INTERVAL_MINUTES.max}, or off.`);
      await io.withStore(async (store) => {
        const link = await store.links.get(id);
        if (link === undefined) fail(io, `No link with id ${id}.`);
        const at = (io.now ?? (() => new Date()))().toISOString();
        await store.links.update({ ...link, checkIntervalMinutes: parsed.data, updatedAt: at, version: link.version + 1 }, link.version);
        if (parsed.data !== null) await store.health.reschedule(id, at);
        io.out(parsed.data === null ? `Scheduled checks of ${link.name} are off.` : `${link.name} is checked every ${parsed.data} minutes.`);
      });
    });
}
