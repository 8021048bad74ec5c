/**
 * `npx tsx examples/shutdown.ts`, then Ctrl-C (or `kill -TERM <pid>`): a host process that wires
 * `logger.close()` and `publisher.close()` into SIGTERM and SIGINT with one deadline, so that
 * nothing buffered is lost on a deploy or a scale-down. It logs a steady stream of events and
 * writes an outbox event every second until it is told to stop.
 */
import { EventLogger } from 'eventrail';
import { migrate, OutboxPublisher, OutboxWriter, PostgresSink } from 'eventrail/postgres';
import { openExampleDatabase } from './lib/database.js';

const SHUTDOWN_DEADLINE_MS = 8000; // below the orchestrator's grace period (Kubernetes: 30 s)

const { db, label, transaction, close } = await openExampleDatabase();
await migrate({ db });
const logger = new EventLogger({ sinks: [new PostgresSink({ db })] });
const outbox = new OutboxWriter();
const delivered = new Set<string>();
const publisher = new OutboxPublisher({
  db,
  publish: async (batch) => {
    for (const event of batch) delivered.add(event.id); // stands in for a broker
  },
});
await publisher.start();

let n = 0;
const writing = new Set<Promise<unknown>>();
const work = setInterval(() => {
  n += 1;
  void logger.logEvent({ type: 'TASK_PROGRESS', userId: 'user-42', payload: { n } });
  if (n % 100 === 0) {
    const write = transaction((tx) =>
      outbox.write(tx, { type: 'tick', userId: 'user-42', payload: { n } }),
    ).finally(() => writing.delete(write));
    writing.add(write);
  }
}, 5);

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  console.log(`${signal}: stopping intake, draining (deadline ${SHUTDOWN_DEADLINE_MS} ms)`);
  clearInterval(work);
  // Outbox transactions already begun commit first, so the publisher's last claim sees them.
  await Promise.allSettled(writing);
  const [logs, published] = await Promise.all([
    logger.close({ timeoutMs: SHUTDOWN_DEADLINE_MS }),
    publisher.close({ timeoutMs: SHUTDOWN_DEADLINE_MS }),
  ]);
  console.log('logger:', JSON.stringify(logs));
  console.log('outbox publisher:', JSON.stringify(published), `delivered ${delivered.size}`);
  await close();
  process.exitCode = logs.timedOut || published.timedOut ? 1 : 0;
}

process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
console.log(
  `shutdown example on ${label}: running; send SIGTERM or press Ctrl-C (pid ${process.pid})`,
);
