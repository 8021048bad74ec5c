/**
 * The outbox with NatsSink: committed rows reach JetStream with the row id as `Nats-Msg-Id`, and
 * when the connection is cut mid-stream the rows are published again, each stored once.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { NatsSink } from '../../src/nats/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { startCuttingProxy, useNats } from '../helpers/nats.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const nats = useNats();

describe('outbox → NATS JetStream', () => {
  it('publishes every committed row once per Nats-Msg-Id across a cut connection', async () => {
    const committed = await commitToOutbox(db.pool, outboxEvents(2000), 100);
    const proxy = await startCuttingProxy(Number(new URL(nats.url).port || 4222));
    const stream = nats.name('outbox');
    const sink = new NatsSink({
      servers: `nats://127.0.0.1:${proxy.port}`,
      stream: { name: stream, subjects: [`${stream}.>`] },
      subject: (e) => `${stream}.${e.type}`,
      reconnect: { minDelayMs: 20, maxDelayMs: 200 },
    });
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    const publisher = new OutboxPublisher({
      db: pool,
      sinks: [sink],
      claimSize: 100,
      pollIntervalMs: 100,
    });
    let published = 0;
    publisher.on('batch', (batch) => {
      published += batch.published;
    });
    try {
      await publisher.start();
      await waitFor(() => published >= 500, 30_000, 'a first part to be published');
      proxy.cut();
      await waitFor(
        async () => (await statusCounts(db.pool)).published === committed.length,
        60_000,
        'every row published',
      );
    } finally {
      await publisher.close();
      await pool.end();
      await proxy.close();
    }
    const messages = await nats.collect(stream, committed.length);
    const ids = messages.map((m) => m.headers?.get('Nats-Msg-Id'));
    expect(new Set(ids)).toEqual(new Set(committed));
    expect(messages).toHaveLength(committed.length);
    expect(sink.metrics().disconnects).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
