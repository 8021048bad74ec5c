/** The `log` option of the outbox publisher and the RabbitMQ sink, against real services. */
import { describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { BadRowError, FakeSink } from '../helpers/fake-sink.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase();
const mq = useRabbitMQ();

describe('lifecycle logs', () => {
  it('the publisher logs start, LISTEN, rows marked failed and close', async () => {
    const { log, lines } = recordingLog();
    const refusing = new FakeSink('refusing');
    refusing.rejectEvent = () => true;
    refusing.failNext.push(new BadRowError('bad row'));
    const [id] = await commitToOutbox(db.pool, outboxEvents(1));
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [refusing], log, id: 'p1' });
    await publisher.start();
    await waitFor(
      () => lines.some((l) => l.message.includes('marked failed')),
      20_000,
      'a failure',
    );
    await publisher.close();
    const messages = lines.map((l) => `${l.level} ${l.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'info eventrail outbox LISTEN connected',
        'info eventrail outbox publisher started',
        'error eventrail outbox event marked failed',
        'info eventrail outbox publisher closed',
      ]),
    );
    expect(lines.find((l) => l.level === 'error')?.details).toMatchObject({
      publisher: 'p1',
      eventId: id,
      sink: 'refusing',
      attempts: 1,
    });
  });

  it('the RabbitMQ sink logs its connection states', async () => {
    const { log, lines } = recordingLog();
    const { sink } = mq.sink({ log });
    const logger = new EventLogger({ sinks: [sink] });
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.close();
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'debug eventrail RabbitMQ sink connecting',
      'info eventrail RabbitMQ sink connected',
      'info eventrail RabbitMQ sink closed',
    ]);
    expect(lines[1]?.details).toEqual({
      sink: sink.name,
      state: 'connected',
      previous: 'connecting',
    });
  });
});
