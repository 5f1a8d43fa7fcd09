import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf, renderSummary, summarize, takeBaseline } from './pipeline-report.ts';

let dir: string;
let rt: LocalRuntime;
const idle = { rounds: 1, batches: 0, messages: 0, failed: 0, waitingRetry: 0 };

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-report-'));
  rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir) });
});
afterAll(async () => {
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the summary of one invocation', () => {
  it('counts only what happened after its baseline; earlier dead letters are listed apart', async () => {
    rt.queues.send('etl-trigger-dlq', '{"earlier":true}');
    const base = takeBaseline(rt);
    const quiet = await summarize(rt, idle, base);
    expect(quiet.deadLetters).toBe(0);
    expect(quiet.earlier).toEqual({ failedJobs: 0, deadLetters: 1 });
    expect(exitCodeOf(quiet)).toBe(0);
    expect(renderSummary(quiet)).toContain('earlier (before this run, not counted in its exit code)');

    // An alert whose delivery failed ends in quality-alert's DLQ during this run.
    rt.queues.send('quality-alert-dlq', '{"undelivered":true}');
    const failed = await summarize(rt, idle, base);
    expect(failed.newDeadLetters).toEqual({ 'quality-alert-dlq': 1 });
    expect(exitCodeOf(failed)).toBe(1);
    expect(renderSummary(failed)).toMatch(
      /alerts\s+0 raised, 1 not delivered \(dead-lettered in quality-alert-dlq\)/,
    );
  });
});
