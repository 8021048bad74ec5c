import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { describe } from '../errors.js';
import { NatsError } from './errors.js';
import type { NatsStreamOptions } from './options.js';
import { subjectMatches } from './subjects.js';

/**
 * Makes sure the stream exists and stores `options.subjects`: creates it when missing (with
 * `assert`), otherwise checks its subjects. Throws a {@link NatsError} `NATS_STREAM` when it is
 * missing (without `assert`) or does not cover the subjects; lets connection errors through.
 * @internal
 */
export async function ensureStream(
  connection: NatsConnection,
  options: Required<NatsStreamOptions>,
  assert: boolean,
  timeout: number,
): Promise<void> {
  const manager = await jetstreamManager(connection, { timeout });
  let subjects: readonly string[];
  try {
    subjects = (await manager.streams.info(options.name)).config.subjects ?? [];
  } catch (error) {
    const missing =
      error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
    if (!missing) throw error;
    if (!assert) {
      throw new NatsError('NATS_STREAM', `stream "${options.name}" does not exist`, {
        cause: error,
      });
    }
    await manager.streams.add(streamConfig(options)).catch((cause: unknown) => {
      throw new NatsError(
        'NATS_STREAM',
        `cannot create stream "${options.name}": ${describe(cause)}`,
        {
          cause,
        },
      );
    });
    return;
  }
  const uncovered = options.subjects.filter((s) => !subjects.some((p) => subjectMatches(s, p)));
  if (uncovered.length > 0) {
    throw new NatsError(
      'NATS_STREAM',
      `stream "${options.name}" stores ${JSON.stringify(subjects)}, not ${uncovered.join(', ')}`,
    );
  }
}

function streamConfig(
  options: Required<NatsStreamOptions>,
): Partial<StreamConfig> & { name: string } {
  return {
    name: options.name,
    subjects: [...options.subjects],
    storage: options.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: options.replicas,
    duplicate_window: nanos(options.duplicateWindowMs),
  };
}
