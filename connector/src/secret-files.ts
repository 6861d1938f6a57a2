import { readFileSync, statSync } from 'node:fs';

/**
 * `<NAME>_FILE` variables: the value of a secret variable read from a file instead of the
 * environment. systemd hands secrets to a service as files (`LoadCredential=`, under
 * `$CREDENTIALS_DIRECTORY`), and so do Docker and Kubernetes secrets; an `Environment=` line would
 * leave the secret in the unit file and in `systemctl show`.
 */
export const SECRET_FILE_VARIABLES = ['CONNECTOR_MASTER_KEY', 'CONNECTOR_ADMIN_TOKEN', 'CONNECTOR_METRICS_TOKEN', 'DATABASE_URL'] as const;

export interface SecretFilesResult {
  /** The environment with each `<NAME>_FILE` replaced by `<NAME>` holding the file's content. */
  env: NodeJS.ProcessEnv;
  /** For a variable whose value came from a file, the name to show in errors (`CONNECTOR_MASTER_KEY_FILE`). */
  origin: (variable: string) => string;
  problems: { variable: string; message: string }[];
}

export function readSecretFiles(env: NodeJS.ProcessEnv): SecretFilesResult {
  const resolved: NodeJS.ProcessEnv = { ...env };
  const fromFile = new Map<string, string>();
  const problems: { variable: string; message: string }[] = [];
  for (const variable of SECRET_FILE_VARIABLES) {
    const fileVariable = `${variable}_FILE`;
    const file = env[fileVariable]?.trim();
    if (file === undefined || file === '') continue;
    if (env[variable] !== undefined && env[variable]?.trim() !== '') {
      problems.push({ variable: fileVariable, message: `is set together with ${variable}: set only one of them` });
      continue;
    }
    try {
      // Others must not read the secret; the owner's group may (a Kubernetes fsGroup, a 0440 credential).
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o007) !== 0) {
        problems.push({ variable: fileVariable, message: `names ${file}, which every user of the machine can read (mode ${mode.toString(8)}): chmod 600 ${file}` });
        continue;
      }
      const value = readFileSync(file, 'utf8').trim();
      if (value === '') {
        problems.push({ variable: fileVariable, message: `names ${file}, which is empty` });
        continue;
      }
      resolved[variable] = value;
      delete resolved[fileVariable];
      fromFile.set(variable, fileVariable);
    } catch (error) {
      // The path is not secret; the file's content never reaches a message.
      problems.push({ variable: fileVariable, message: `names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  }
  return { env: resolved, origin: (variable) => fromFile.get(variable) ?? variable, problems };
}
