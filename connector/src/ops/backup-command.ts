import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config';
import { backupSqlite, BackupError } from './backup';

/** What the command needs of the CLI's io (structurally the CLI's CliIo). */
export interface BackupCommandIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `applinks-connector backup <file>`, registered on the CLI's program. */
export function registerBackupCommand(program: Command, io: BackupCommandIo): void {
  program
    .command('backup')
    .argument('<file>', 'where to write the copy (a new file; never overwritten)')
    .description('Copy the SQLite store consistently while the connector serves (SQLite online backup); on PostgreSQL, says what to use instead')
    .action(async (file: string) => {
      const config = loadConfig(io.env, io.cwd);
      try {
        const result = await backupSqlite({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, target: path.resolve(io.cwd, file) });
        io.out(result.target);
        io.err(`backed up ${result.source} (${result.pages} pages, ${result.bytes} bytes). The master key is not in the backup: keep it, apart from the backup.`);
      } catch (error) {
        if (!(error instanceof BackupError)) throw error;
        io.err(`backup: ${error.message}`);
        // Exit 1 without commander printing the help: the message above says what to do.
        throw new CommanderError(1, `applinks.${error.code}`, error.message);
      }
    });
}
