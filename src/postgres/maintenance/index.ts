export { type MaintenanceResult, maintain } from './maintain.js';
export { DEFAULT_MAINTAIN_OPTIONS, type MaintainOptions } from './options.js';
export {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  MaintenanceTimer,
  type MaintenanceTimerCloseSummary,
  type MaintenanceTimerEvents,
  type MaintenanceTimerMetrics,
  type MaintenanceTimerOptions,
} from './timer.js';
