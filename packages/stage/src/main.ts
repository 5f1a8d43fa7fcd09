/**
 * `pnpm stage:rehearse [--stage NAME] [--keep] [--format json]`: provisions a stage into
 * moto (IAM enforced; or the endpoint in AWS_ENDPOINT_URL), runs the scenario through the
 * real Lambda entries and prints the summary. Exit 0 only when every step went through and
 * every DLQ is empty; 1 otherwise; 2 for bad usage.
 */
import { venvPython } from '@ohlcv/core/testing/toolchain';
import { Rehearsal, type RehearsalSummary } from './rehearsal.ts';

const usage = `Usage: pnpm stage:rehearse [--stage NAME] [--keep] [--format table|json]

Provisions the stage infra declares (infra/record-stage.ts) into an AWS API emulator with IAM
enforced and runs every Lambda entry on its queues with its own policy:
drops → etl-trigger → Glue run → catalog-sync → partitions → quality-alert → webhook;
a scheduled ingestion; a failing run; a poison record → DLQ → redrive.

  --stage NAME     stage name (default rehearsal)
  --keep           keep the work folder with every worker's log
  --format json    print the summary as JSON

Environment: AWS_ENDPOINT_URL uses that emulator (moto, LocalStack) instead of starting moto;
OHLCV_TEST_PYTHON / the venv of .ci/prepare.d/10-python.sh provide moto's server.`;

function print(s: RehearsalSummary): void {
  const lines = [
    `stage ${s.stage} on ${s.endpoint}: ${s.ok ? 'OK' : 'FAILED'}`,
    `  raw objects        ${s.objects}`,
    `  Glue runs          ${s.runs.map((r) => `${r.state}${r.rowsQuarantined ? ` (${r.rowsQuarantined} quarantined)` : ''}`).join(', ')}`,
    `  partitions         ${Object.entries(s.partitions)
      .map(([t, n]) => `${t}=${n}`)
      .join(' ')}`,
    `  alerts (webhook)   ${s.alerts.length}: ${s.alerts.map((a) => a.kind ?? a.title).join(', ')}`,
    `  pipeline events    ${Object.entries(s.pipelineEvents)
      .map(([t, n]) => `${t}=${n}`)
      .join(', ')}`,
    `  DLQ depths         ${Object.entries(s.dlqDepths)
      .map(([q, n]) => `${q}=${n}`)
      .join(' ')}`,
    `  workers            ${Object.entries(s.workers)
      .map(
        ([w, x]) =>
          `${w}: ${x.batches} batches/${x.records} records/${x.failedRecords} failed${x.accessDenied ? `/${x.accessDenied} ACCESS DENIED` : ''}`,
      )
      .join('; ')}`,
    '  steps',
    ...s.steps.flatMap((st) => [
      `    ${st.ok ? '✓' : '✗'} ${st.step}`,
      ...st.checks.filter((c) => !c.ok).map((c) => `        ✗ ${c.what}${c.detail ? `: ${c.detail}` : ''}`),
    ]),
    '  not provisioned (emulator limits)',
    ...s.skipped.map((x) => `    - ${x}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  let stageName = 'rehearsal';
  let keep = false;
  let format = 'table';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    if (a === '--stage') stageName = argv[++i] ?? '';
    else if (a === '--keep') keep = true;
    else if (a === '--format') format = argv[++i] ?? '';
    else {
      process.stderr.write(`unknown argument ${a}\n${usage}\n`);
      return 2;
    }
  }
  if (!['table', 'json'].includes(format) || !/^[a-z][a-z0-9-]{0,20}$/.test(stageName)) {
    process.stderr.write(`bad --format or --stage\n${usage}\n`);
    return 2;
  }
  if (!process.env.AWS_ENDPOINT_URL && !venvPython()) {
    process.stderr.write(
      'moto is not available: run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv) or set AWS_ENDPOINT_URL\n',
    );
    return 1;
  }
  const log = format === 'json' ? () => {} : (l: string) => process.stderr.write(`${l}\n`);
  const r = await Rehearsal.start({ stageName, keepWorkDir: keep, log });
  try {
    await r.runScenario();
    const s = await r.summary();
    if (format === 'json') process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    else print(s);
    if (keep) process.stderr.write(`work folder (logs): ${s.workDir}\n`);
    return s.ok ? 0 : 1;
  } finally {
    await r.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`stage rehearsal failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
