import type { EventEmitter } from 'eventemitter3';
import { type LifecycleLog, lifecycle, logErrors } from '../lifecycle/log.js';
import type { EventLoggerEvents } from './events.js';

/** Logs that a logger started, and from then on its failures, hand-offs and drops. @internal */
export function logLifecycle(
  logger: EventEmitter<EventLoggerEvents>,
  log: LifecycleLog,
  sinks: readonly string[],
): void {
  lifecycle(log, 'info', { sinks }, 'eventrail logger started');
  logErrors(logger, log, 'eventrail write failed for good', 'error');
  logger.on('fallback', ({ sink, events, error }) =>
    lifecycle(
      log,
      'warn',
      { sink, count: events.length, err: error },
      'eventrail events handed to the fallback',
    ),
  );
  logger.on('drop', ({ sink, events, reason }) =>
    lifecycle(log, 'warn', { sink, count: events.length, reason }, 'eventrail events dropped'),
  );
}
