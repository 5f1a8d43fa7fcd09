import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { readSecret, readSstLinks } from './secrets.ts';

const client = () => new SecretsManagerClient({ region: 'us-east-1' });

describe('readSecret', () => {
  it('reads an SST-linked secret from SST_RESOURCE_<Name>, before the env fallback', async () => {
    const env = {
      SST_RESOURCE_SlackWebhookUrl: JSON.stringify({ type: 'sst.sst.Secret', value: 'https://hooks/linked' }),
      SLACK_WEBHOOK_URL: 'https://hooks/env',
    };
    expect(await readSecret('SlackWebhookUrl', { env, envVar: 'SLACK_WEBHOOK_URL' })).toBe(
      'https://hooks/linked',
    );
  });

  it('reads links from the encrypted SST key file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sst-key-'));
    try {
      const key = randomBytes(32);
      const cipher = createCipheriv('aes-256-gcm', key, Buffer.alloc(12, 0));
      const plain = JSON.stringify({ ApiKey: { type: 'sst.sst.Secret', value: 'from-file' } });
      const file = path.join(dir, 'links.enc');
      await writeFile(file, Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
      const env = { SST_KEY: key.toString('base64'), SST_KEY_FILE: file };
      expect(readSstLinks(env)).toEqual({ ApiKey: { type: 'sst.sst.Secret', value: 'from-file' } });
      expect(await readSecret('ApiKey', { env })).toBe('from-file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the env var, then Secrets Manager', async () => {
    expect(await readSecret('X', { env: { MY_X: 'v' }, envVar: 'MY_X' })).toBe('v');
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand, { SecretId: 'prod/x' }).resolves({ SecretString: 'from-sm' });
    expect(await readSecret('X', { env: {}, secretId: 'prod/x', client: client() })).toBe('from-sm');
    mock.restore();
  });

  it('throws SecretNotFound, or answers undefined when optional', async () => {
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    await expect(readSecret('X', { env: {}, secretId: 'x', client: client() })).rejects.toMatchObject({
      code: 'SecretNotFound',
    });
    expect(await readSecret('X', { env: {}, optional: true })).toBeUndefined();
    mock.restore();
  });
});
