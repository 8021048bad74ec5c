export type { RollupProgress } from './build.js';
export type { RollupWorkerOptions } from './options.js';
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
