export { type MaintenanceResult, maintain } from './maintain.js';
export { DEFAULT_MAINTAIN_OPTIONS, type MaintainOptions } from './options.js';
export {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  type MaintenanceCloseSummary,
  type MaintenanceEvents,
  type MaintenanceMetrics,
  MaintenanceTimer,
  type MaintenanceTimerOptions,
} from './timer.js';
