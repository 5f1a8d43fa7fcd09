/**
 * The README's subscription example, run as written: its shell block is executed by bash in a
 * fresh folder (with the sample CSV at its documented path), `pnpm ohlcv` being the CLI entry,
 * and a real HTTP subscriber on the loopback port the example names. The only substitution is
 * that port, and only if another process already holds it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePattern, parseSubscriptions } from '@ohlcv/core';
import { startReceiver as startLoopbackReceiver } from '@ohlcv/local/subscriptions/testing/receiver';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const main = path.join(repoRoot, 'packages/cli/src/main.ts');
const tsxLoader = path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-readme-subs-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The fenced block that follows `<!-- example: NAME ... -->` in a Markdown file. */
export function exampleBlock(markdownFile: string, name: string): string {
  const text = fs.readFileSync(markdownFile, 'utf8');
  const at = text.indexOf(`<!-- example: ${name}`);
  if (at < 0) throw new Error(`${markdownFile} has no example "${name}"`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at));
  if (!m?.[1]) throw new Error(`example "${name}" has no code block`);
  return m[1];
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('README: subscriptions on the embedded default', () => {
  it('runs as written: the subscriber receives the ETL run with the API-key header and idempotency key', async () => {
    let script = exampleBlock(path.join(repoRoot, 'README.md'), 'subscriptions-local');
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(script)?.[1]);
    expect(port).toBeGreaterThan(0);
    const receiver = await startLoopbackReceiver('/ohlcv/events', port).catch(async () => {
      // The documented port is taken by someone else on this machine: use a free one.
      const r = await startLoopbackReceiver('/ohlcv/events');
      script = script.replaceAll(`127.0.0.1:${port}/`, `127.0.0.1:${r.port}/`);
      return r;
    });
    try {
      fs.mkdirSync(path.join(work, 'packages/cli/demo'), { recursive: true });
      fs.copyFileSync(
        path.join(repoRoot, 'packages/cli/demo/sample-drop.csv'),
        path.join(work, 'packages/cli/demo/sample-drop.csv'),
      );
      const shim = `set -euo pipefail\npnpm() { if [ "$1" = ohlcv ]; then shift; fi; node --import ${JSON.stringify(tsxLoader)} ${JSON.stringify(main)} "$@"; }\n`;
      const env: NodeJS.ProcessEnv = { ...process.env, TWELVE_DATA_API_KEY: '' };
      // As a user's shell would be: no data folder, no declaration, no pnpm-set working dir.
      for (const k of ['OHLCV_HOME', 'OHLCV_SUBSCRIPTIONS', 'INIT_CWD', 'ETL_RUNS_HOOK_KEY']) delete env[k];
      // Asynchronously: the subscriber answers from this process's event loop.
      const r = await run('bash', ['-c', shim + script], { cwd: work, env });
      expect(r.status, r.stderr).toBe(0);

      const posts = receiver.requests.filter((q) => q.method === 'POST');
      expect(posts.length).toBeGreaterThanOrEqual(1);
      for (const q of posts) {
        const event = JSON.parse(q.body);
        expect(event['detail-type']).toBe('ETL Run Completed');
        expect(event.source).toBe('ohlcv.catalog-sync');
        expect(q.headers['x-api-key']).toBe('change-me');
        expect(q.headers['idempotency-key']).toBe(event.id);
      }
      const row = r.stdout.split('\n').find((l) => l.startsWith('etl-runs'));
      expect(row, r.stdout).toBeDefined();
      // name, endpoint (redacted), delivered, failed, deadLettered, inDlq, pending
      expect(row?.split(/\s+/).slice(1)).toEqual([
        `http://127.0.0.1:${receiver.port}/***`,
        String(posts.length),
        '0',
        '0',
        '0',
        '0',
      ]);
      expect(fs.readFileSync(path.join(work, '.ohlcv/logs/ohlcv.log'), 'utf8')).not.toContain('change-me');
    } finally {
      await receiver.close();
    }
  }, 300_000);
});

describe('events/README.md: the subscription example', () => {
  it('is a valid declaration whose pattern matches a critical alert', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'events/README.md'), 'utf8');
    const json = /## Subscribing[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const [s] = parseSubscriptions(json, 'events/README.md');
    const sample = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'events/samples/alert-raised.json'), 'utf8'),
    );
    const { matches } = compilePattern(s?.pattern);
    expect(matches(sample)).toBe(false);
    expect(matches({ ...sample, detail: { ...sample.detail, severity: 'critical' } })).toBe(true);
    expect(text).toContain('dev-ohlcv-pipeline');
    expect(text).not.toMatch(/custom bus `ohlcv-pipeline`/);
  });

  it('the READMEs name the AWS pipeline bus as infra creates it: <stage>-ohlcv-pipeline', () => {
    for (const f of ['README.md', 'events/README.md']) {
      const text = fs.readFileSync(path.join(repoRoot, f), 'utf8');
      // Every mention of the bus is the stage's (dev-, <stage>-) or, explicitly, the embedded runtime's.
      const bare = [...text.matchAll(/(.{0,40})`ohlcv-pipeline`/g)].filter(
        (m) => !/embedded runtime/.test(m[1] ?? ''),
      );
      expect(
        bare.map((m) => m[0]),
        f,
      ).toEqual([]);
      expect(text, f).toContain('<stage>-ohlcv-pipeline');
    }
  });
});
