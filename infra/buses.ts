/** The custom pipeline bus for `ohlcv.*` events, with an archive so they can be replayed. */
import { physicalName } from './iam.ts';
import type { Platform } from './platform.ts';
import type { StageConfig } from './stages.ts';
import type { InfraTopology } from './topology.ts';

export function createBuses(p: Platform, stage: StageConfig, topology: InfraTopology) {
  const pipelineBus = new p.aws.cloudwatch.EventBus('PipelineBus', {
    name: physicalName(p, topology.pipelineBus),
  });
  new p.aws.cloudwatch.EventArchive('PipelineBusArchive', {
    name: physicalName(p, `${topology.pipelineBus}-archive`),
    eventSourceArn: pipelineBus.arn,
    retentionDays: stage.eventArchiveRetentionDays,
    eventPattern: JSON.stringify({ source: [{ prefix: 'ohlcv.' }] }),
  });
  return { pipelineBus };
}

export type Buses = ReturnType<typeof createBuses>;
