import type { Command } from '../command.ts';
import { withStage } from '../stage/index.ts';
import { dashboardCommand } from './dashboard.ts';
import { dlqCommand } from './dlq.ts';
import { dropCommand } from './drop.ts';
import { eventsCommand } from './events.ts';
import { exportCommand } from './export.ts';
import { ingestCommand } from './ingest.ts';
import { demoCommand, drainCommand, startCommand } from './pipeline.ts';
import { queryCommand } from './query.ts';
import { reprocessCommand } from './reprocess.ts';
import { statusCommand } from './status.ts';

export const commands: Command[] = [
  startCommand,
  demoCommand,
  ingestCommand,
  dropCommand,
  drainCommand,
  queryCommand,
  exportCommand,
  reprocessCommand,
  statusCommand,
  dashboardCommand,
  dlqCommand,
  eventsCommand,
].map(withStage); // `--stage NAME`: query/status/drop/dlq against a deployed stage
