/**
 * Secrets for Lambda entries. Order: an SST-linked `sst.Secret` (what `Resource.<Name>.value`
 * from the `sst` SDK returns), then a plain env var (local runs and tests need no SST), then
 * Secrets Manager when a secret id is given. The `sst` package is not a dependency: it
 * downloads a platform binary at install, and reading its links takes twenty lines.
 */
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AppError } from '@ohlcv/core';
import { awsErrorName, isTransientAwsError } from './aws-errors.ts';

export interface ReadSecretOptions {
  env?: NodeJS.ProcessEnv;
  /** Env var read when no SST link has the secret, e.g. `SLACK_WEBHOOK_URL`. Defaults to the name. */
  envVar?: string;
  /** Secrets Manager id (name or ARN) tried last. */
  secretId?: string;
  client?: SecretsManagerClient;
  /** Answer `undefined` instead of throwing `SecretNotFound`. */
  optional?: boolean;
}

type Links = Record<string, unknown>;

/**
 * SST injects each linked resource as `SST_RESOURCE_<Name>` (JSON); large link sets go into
 * an AES-256-GCM encrypted file (`SST_KEY_FILE`, key in `SST_KEY`, zero nonce, tag last).
 */
export function readSstLinks(env: NodeJS.ProcessEnv = process.env): Links {
  const links: Links = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SST_RESOURCE_') || !value) continue;
    try {
      links[name.slice('SST_RESOURCE_'.length)] = JSON.parse(value);
    } catch {
      // A malformed link is skipped: the env-var fallback may still hold the value.
    }
  }
  if (env.SST_KEY_FILE && env.SST_KEY) {
    const data = readFileSync(env.SST_KEY_FILE);
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(env.SST_KEY, 'base64'), Buffer.alloc(12, 0));
    decipher.setAuthTag(data.subarray(-16));
    const plain = Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]);
    Object.assign(links, JSON.parse(plain.toString('utf8')) as Links);
  }
  return links;
}

const sstSecretValue = (links: Links, name: string): string | undefined => {
  const link = links[name];
  if (typeof link === 'object' && link !== null && 'value' in link && typeof link.value === 'string') {
    return link.value;
  }
  return undefined;
};

export async function readSecret(
  name: string,
  opts: ReadSecretOptions & { optional: true },
): Promise<string | undefined>;
export async function readSecret(name: string, opts?: ReadSecretOptions): Promise<string>;
export async function readSecret(name: string, opts: ReadSecretOptions = {}): Promise<string | undefined> {
  const env = opts.env ?? process.env;
  const linked = sstSecretValue(readSstLinks(env), name);
  if (linked !== undefined) return linked;

  const fromEnv = env[opts.envVar ?? name];
  if (fromEnv) return fromEnv;

  if (opts.secretId) {
    const client = opts.client ?? new SecretsManagerClient({});
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: opts.secretId }));
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
    } catch (err) {
      if (awsErrorName(err) !== 'ResourceNotFoundException') {
        // Never the value, only which secret and why.
        throw new AppError('SecretReadFailed', `reading secret ${name} failed: ${awsErrorName(err) ?? err}`, {
          retryable: isTransientAwsError(err),
          cause: err,
        });
      }
    }
  }
  if (opts.optional) return undefined;
  throw new AppError('SecretNotFound', `secret ${name} is neither linked, in the environment, nor stored`);
}
