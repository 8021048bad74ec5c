import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
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
 * missing (without `assert`), cannot be created, or does not cover the subjects; lets timeouts
 * and connection errors through (they are transient).
 * @internal
 */
export async function ensureStream(
  connection: NatsConnection,
  options: Required<NatsStreamOptions>,
  assert: boolean,
  timeout: number,
): Promise<void> {
  const manager = await jetstreamManager(connection, { timeout });
  let subjects = await storedSubjects(manager, options.name);
  if (subjects === undefined) {
    if (!assert) throw new NatsError('NATS_STREAM', `stream "${options.name}" does not exist`);
    try {
      await manager.streams.add(streamConfig(options));
      return;
    } catch (error) {
      // Created meanwhile (another sink, or an earlier attempt whose answer was lost): check it.
      if (!(error instanceof JetStreamApiError)) throw error;
      subjects = await storedSubjects(manager, options.name);
      if (subjects === undefined) {
        throw new NatsError(
          'NATS_STREAM',
          `cannot create stream "${options.name}": ${describe(error)}`,
          { cause: error },
        );
      }
    }
  }
  const uncovered = options.subjects.filter((s) => !subjects.some((p) => subjectMatches(s, p)));
  if (uncovered.length > 0) {
    throw new NatsError(
      'NATS_STREAM',
      `stream "${options.name}" stores ${JSON.stringify(subjects)}, not ${uncovered.join(', ')}`,
    );
  }
}

/** The stream's subjects, or `undefined` when it does not exist. */
async function storedSubjects(
  manager: JetStreamManager,
  name: string,
): Promise<readonly string[] | undefined> {
  try {
    return (await manager.streams.info(name)).config.subjects ?? [];
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      return undefined;
    }
    throw error;
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
