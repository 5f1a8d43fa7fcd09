/**
 * `--stage NAME` on query, status, drop and dlq: the same verbs against a deployed stage.
 * A command wrapped here runs its local form unless `--stage` is given.
 */
import type { Command, CommandIO } from '../command.ts';
import { stageDlq, stageDrop, stageQuery, stageStatus, stageUsage } from './commands.ts';
import { stageReprocess } from './reprocess.ts';

const STAGE_VERBS: Record<
  string,
  { run: (argv: string[], io: CommandIO) => Promise<number>; extra: string; about?: string }
> = {
  query: { run: stageQuery, extra: " NAME|--sql '...' [--param K=V ...] [--format table|json]" },
  status: {
    run: stageStatus,
    extra: ' [--format table|json]',
    about:
      '  Queue and DLQ depths (each subscription’s DLQ too), recent Glue runs, partitions per\n' +
      '  table. Exit 1 when any DLQ holds a message.',
  },
  drop: { run: stageDrop, extra: ' FILE... [--prefix P]' },
  dlq: { run: stageDlq, extra: ' list [QUEUE] [--limit N] | redrive QUEUE [--max N]' },
  reprocess: {
    run: stageReprocess,
    extra: ' [--from D] [--to D] [--symbols S,...] [--format table|json]',
    about:
      '  Starts ONE Glue job run rebuilding the range from the raw objects that can hold it (a\n' +
      '  manifest under _manifests/) and prints its run id. Exit 0 started, 1 nothing to\n' +
      '  rebuild or the start failed, 2 bad usage.',
  },
};

export const hasStageFlag = (argv: readonly string[]): boolean =>
  argv.some((a) => a === '--stage' || a.startsWith('--stage='));

export function withStage(command: Command): Command {
  const verb = STAGE_VERBS[command.name];
  if (!verb) return command;
  return {
    ...command,
    usage: `${command.usage.trimEnd()}\n${stageUsage(command.name, verb.extra, verb.about)}`,
    run: (argv, io) => (hasStageFlag(argv) ? verb.run(argv, io) : command.run(argv, io)),
  };
}
