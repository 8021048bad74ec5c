/**
 * `npx tsx examples/prometheus.ts`, then open http://127.0.0.1:9464/metrics (METRICS_PORT
 * changes the port): eventrail's figures as Prometheus reads them, through OpenTelemetry's
 * Prometheus exporter, while a steady stream of events flows through a logger and the outbox.
 * Ctrl-C (or SIGTERM) stops it. Needs @opentelemetry/api, @opentelemetry/sdk-metrics and
 * @opentelemetry/exporter-prometheus installed.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { EventLogger } from 'eventrail';
import { instrument } from 'eventrail/otel';
import { migrate, OutboxPublisher, OutboxWriter, PostgresSink } from 'eventrail/postgres';
import { openExampleDatabase } from './lib/database.js';

const port = Number(process.env.METRICS_PORT ?? 9464);
const { db, transaction, close } = await openExampleDatabase();
await migrate({ db });

const logger = new EventLogger({ sinks: [new PostgresSink({ db })] });
const outbox = new OutboxWriter();
const publisher = new OutboxPublisher({
  db,
  publish: async () => {}, // stands in for a broker
});
await publisher.start();

// The exporter serves /metrics itself; a scrape collects every instrument once.
const exporter = new PrometheusExporter({ port, host: '127.0.0.1' });
const meterProvider = new MeterProvider({ readers: [exporter] });
const metering = instrument({ logger, publisher, meterProvider });

let n = 0;
const work = setInterval(() => {
  n += 1;
  void logger.logEvent({ type: 'TASK_PROGRESS', userId: 'user-42', payload: { n } });
  if (n % 10 === 0) {
    void transaction((tx) => outbox.write(tx, { type: 'tick', userId: 'user-42', payload: { n } }));
  }
}, 5);

async function shutdown(): Promise<void> {
  clearInterval(work);
  await metering.close();
  await Promise.all([logger.close(), publisher.close()]);
  await meterProvider.shutdown(); // stops the exporter's HTTP server too
  await close();
}

process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
console.log(`metrics at http://127.0.0.1:${port}/metrics; Ctrl-C stops`);
