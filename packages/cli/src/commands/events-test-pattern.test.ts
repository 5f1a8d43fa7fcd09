import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../testing/capture-io.ts';
import { testPatternCommand } from './events-test-pattern.ts';

const event = {
  version: '0',
  id: '1',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '000000000000',
  time: '2024-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { bucket: { name: 'lake' }, object: { key: 'raw/a.csv' } },
};

const run = async (argv: string[], cwd?: string) => {
  const f = captureIO({ cwd });
  const code = await testPatternCommand.run(argv, f.io);
  return { code, stdout: f.out.stdout, stderr: f.out.stderr };
};

describe('ohlcv events test-pattern', () => {
  it('prints {"Result":true} for a matching pattern', async () => {
    const r = await run([
      '--pattern',
      JSON.stringify({ source: ['aws.s3'], detail: { object: { key: [{ prefix: 'raw/' }] } } }),
      '--event',
      JSON.stringify(event),
    ]);
    expect(r).toEqual({ code: 0, stdout: '{"Result":true}\n', stderr: '' });
  });

  it('prints {"Result":false} for a valid pattern that does not match', async () => {
    const r = await run(['--pattern', '{"source":["aws.glue"]}', '--event', JSON.stringify(event)]);
    expect(r).toEqual({ code: 0, stdout: '{"Result":false}\n', stderr: '' });
  });

  it('exits 2 with the AWS error for an invalid pattern', async () => {
    const r = await run(['--pattern', '{"source":"aws.s3"}', '--event', JSON.stringify(event)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'An error occurred (InvalidEventPatternException) when calling the TestEventPattern operation: ' +
        'Event pattern is not valid. Reason: "source" must be an object or an array\n',
    );
  });

  it('exits 2 for pattern text that is not JSON', async () => {
    const r = await run(['--pattern', '{"source": [', '--event', JSON.stringify(event)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(InvalidEventPatternException)');
    expect(r.stderr).toContain('Filter is not valid JSON');
  });

  it.each(['id', 'account', 'source', 'time', 'region', 'detail-type'])(
    'exits 2 when the event lacks the envelope field %s',
    async (field) => {
      const { [field]: _gone, ...partial } = event as Record<string, unknown>;
      const r = await run(['--pattern', '{"source":["aws.s3"]}', '--event', JSON.stringify(partial)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`(ValidationException)`);
      expect(r.stderr).toContain(`missing required field ${field}.`);
    },
  );

  it('exits 2 for event text that is not a JSON object', async () => {
    for (const bad of ['{', '[]', '"x"']) {
      const r = await run(['--pattern', '{"source":["aws.s3"]}', '--event', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Parameter Event is not valid.');
    }
  });

  it('exits 2 with usage when a flag is missing or unknown', async () => {
    const missing = await run(['--pattern', '{"source":["x"]}']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing required option(s): --event');
    const unknown = await run(['--pattern', '{}', '--event', '{}', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: ohlcv events test-pattern');
  });

  it('prints usage for --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(testPatternCommand.usage);
    expect(r.stdout).toContain('--pattern <json>');
  });

  describe('file:// arguments', () => {
    let dir: string;
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('reads pattern and event from files, relative to cwd', async () => {
      dir = await mkdtemp(join(tmpdir(), 'ohlcv-test-pattern-'));
      await writeFile(join(dir, 'p.json'), '{"detail":{"bucket":{"name":["lake"]}}}');
      await writeFile(join(dir, 'e.json'), JSON.stringify(event));
      const r = await run(['--pattern', 'file://p.json', '--event', `file://${join(dir, 'e.json')}`], dir);
      expect(r).toEqual({ code: 0, stdout: '{"Result":true}\n', stderr: '' });
      const missing = await run(['--pattern', 'file://nope.json', '--event', 'file://e.json'], dir);
      expect(missing.code).toBe(2);
    });
  });
});
