export { type MaintenanceResult, maintain } from './maintain.js';
export { DEFAULT_MAINTAIN_OPTIONS, type Duration, type MaintainOptions } from './options.js';
export {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  type MaintenanceEvents,
  type MaintenanceMetrics,
  MaintenanceTimer,
  type MaintenanceTimerOptions,
  startMaintenance,
} from './scheduler.js';
