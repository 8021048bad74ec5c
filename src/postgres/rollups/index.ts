export type { RollupProgress } from './build.js';
export {
  defineRollup,
  type RollupDefinition,
  type RollupDefinitionInput,
  type RollupField,
  type RollupPayloadField,
} from './definition.js';
export type { RollupWorkerOptions } from './options.js';
export type { RollupReadOptions, RollupRow } from './query.js';
export {
  type RebuildRollupsOptions,
  type RebuildRollupsResult,
  rebuildRollups,
} from './rebuild.js';
export {
  RollupWorker,
  type RollupWorkerCloseSummary,
  type RollupWorkerEvents,
  type RollupWorkerMetrics,
} from './worker.js';
