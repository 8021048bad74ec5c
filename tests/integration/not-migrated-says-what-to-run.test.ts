/**
 * On a database where `migrate` was never run, what reaches the host says what to run
 * (`npx eventrail migrate --url …`), not only `relation "eventrail.event_logs" does not exist`:
 * the logger's error event, the process warning when nobody listens, the publisher's error
 * event, a query, and the outbox writer in the caller's transaction.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { describe, expect, it } from 'vitest';
import {
  EventLogger,
  MemorySink,
  NotMigratedError,
  OutboxPublisherError,
  SinkWriteError,
} from '../../src/index.js';
import {
  EventQueries,
  OutboxPublisher,
  OutboxWriter,
  PostgresSink,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase({ migrated: false });
const HINT = 'run `npx eventrail migrate --url <database URL>`';

describe('a database that was not migrated', () => {
  it("the logger's error event says what to run; the batch goes to the fallback, not retried", async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback });
    const errors: unknown[] = [];
    logger.on('error', (error) => errors.push(error));
    await logger.logEvent({ type: 'HELLO', userId: 'u' });
    const summary = await logger.close();
    expect(summary.sinks.postgres).toMatchObject({ written: 0, fallback: 1 });
    expect(fallback.events).toHaveLength(1);
    expect(logger.metrics().sinks.postgres?.retries).toBe(0);
    expect(errors).toHaveLength(1);
    const [error] = errors as SinkWriteError[];
    expect(error).toBeInstanceOf(SinkWriteError);
    // COPY names the schema, missing as a whole.
    expect(error?.message).toContain('schema "eventrail" does not exist');
    expect(error?.message).toContain(HINT);
    expect(error?.cause).toBeInstanceOf(NotMigratedError);
    expect(error?.cause).toMatchObject({
      code: 'NOT_MIGRATED',
      missing: 'eventrail',
      schema: 'eventrail',
      cause: { code: '3F000' },
    });
  });

  it('with nobody listening, the process warning on the console says what to run', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const logger = new EventLogger({
        sinks: [new PostgresSink({ db: db.pool })],
        fallback: null,
      });
      await logger.logEvent({ type: 'HELLO', userId: 'u' });
      await logger.close();
      await waitFor(() => warnings.length > 0, 5000, 'the warning');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings[0]?.name).toBe('EventrailUnhandledError');
    expect(warnings[0]?.message).toContain(HINT);
  });

  it("the publisher's error event names the table and the schema flag to run with", async () => {
    const publisher = new OutboxPublisher({
      db: db.pool,
      schema: 'audit',
      sinks: [new MemorySink()],
      pollIntervalMs: 20,
    });
    const errors: unknown[] = [];
    publisher.on('error', (error) => errors.push(error));
    await publisher.start();
    await waitFor(() => errors.length > 0, 10_000, 'a claim error');
    await publisher.close();
    expect(errors[0]).toBeInstanceOf(OutboxPublisherError);
    const message = (errors[0] as Error).message;
    expect(message).toContain('relation "audit.event_outbox" does not exist');
    expect(message).toContain('run `npx eventrail migrate --url <database URL> --schema audit`');
  });

  it('a query and the outbox writer reject with a NotMigratedError', async () => {
    const queries = new EventQueries({ db: db.pool });
    await expect(queries.listEvents({ userId: 'u' })).rejects.toMatchObject({
      name: 'NotMigratedError',
      missing: 'eventrail.event_logs',
    });
    const writer = new OutboxWriter();
    // In a pg client's transaction, and in a drizzle transaction (drizzle wraps the driver's error).
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(writer.write(client, outboxEvents(1))).rejects.toBeInstanceOf(NotMigratedError);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const failed = drizzle(db.pool).transaction((tx) => writer.write(tx, outboxEvents(1)));
    await expect(failed).rejects.toMatchObject({
      code: 'NOT_MIGRATED',
      missing: 'eventrail.event_outbox',
    });
  });

  it("with the schema there but not the table, the table is named; a host's table is left alone", async () => {
    const queries = new EventQueries({ db: db.pool });
    await db.pool.query('CREATE SCHEMA eventrail');
    try {
      await expect(queries.listEvents({ userId: 'u' })).rejects.toBeInstanceOf(NotMigratedError);
      const logger = new EventLogger({
        sinks: [new PostgresSink({ db: db.pool })],
        fallback: null,
      });
      const errors: SinkWriteError[] = [];
      logger.on('error', (error) => errors.push(error as SinkWriteError));
      await logger.logEvent({ type: 'HELLO', userId: 'u' });
      await logger.close();
      expect(errors[0]?.message).toContain('relation "eventrail.event_logs" does not exist');
      expect(errors[0]?.message).toContain(HINT);
      expect(errors[0]?.cause).toMatchObject({
        missing: 'eventrail.event_logs',
        cause: { code: '42P01' },
      });
      const error = await db.pool.query('SELECT 1 FROM eventrail.host_table').catch((e) => e);
      expect(error).toMatchObject({ code: '42P01' });
      expect(error).not.toBeInstanceOf(NotMigratedError);
    } finally {
      await db.pool.query('DROP SCHEMA eventrail');
    }
  });
});
