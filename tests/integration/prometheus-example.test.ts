/**
 * examples/prometheus.ts for real: started as a reader would start it, scraped over HTTP twice
 * while events flow; the counters are there, in Prometheus' text format, and moving, and the
 * outbox's backlog gauges show rows the publisher cannot take yet.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { startExample } from '../helpers/examples.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase({ migrated: false });

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The value of the first sample of `name` whose labels contain `labels`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!line.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('examples/prometheus.ts', () => {
  it('serves /metrics whose figures move while events flow', async () => {
    const port = await freePort();
    const child = startExample('examples/prometheus.ts', {
      DATABASE_URL: db.url,
      METRICS_PORT: String(port),
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    try {
      await waitFor(() => output.includes('metrics at'), 30_000, 'the example to start');
      // Three rows an hour old whose retry is an hour away: pending, and not due, so the
      // publisher leaves them where they are and the backlog gauges must show them.
      await db.pool.query(
        `INSERT INTO eventrail.event_outbox (id, event_type, user_id, created_at, next_retry_at)
         SELECT gen_random_uuid(), 'parked', 'u', now() - interval '1 hour', now() + interval '1 hour'
           FROM generate_series(1, 3)`,
      );
      const scrape = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.status).toBe(200);
        return response.text();
      };
      const written = 'eventrail_sink_written_total';
      let first = '';
      await waitFor(
        async () => {
          first = await scrape();
          return (sample(first, written, 'eventrail_sink_name="postgres"') ?? 0) > 0;
        },
        20_000,
        'a first write to show',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const second = await scrape();
      const moved = (name: string, labels = '') =>
        (sample(second, name, labels) ?? 0) - (sample(first, name, labels) ?? 0);
      expect(moved(written, 'eventrail_sink_name="postgres"')).toBeGreaterThan(0);
      expect(moved('eventrail_logger_accepted_total')).toBeGreaterThan(0);
      expect(moved('eventrail_outbox_published_total')).toBeGreaterThan(0);
      expect(second).toContain('# TYPE eventrail_sink_batch_duration histogram');
      expect(sample(second, 'eventrail_outbox_pending')).toBeGreaterThanOrEqual(3);
      const oldest = sample(second, 'eventrail_outbox_oldest_pending_age') as number;
      expect(oldest).toBeGreaterThanOrEqual(3600);
      expect(oldest).toBeLessThan(3600 + 600);
      expect(sample(second, 'eventrail_sink_dropped_total', 'postgres')).toBe(0);
    } catch (error) {
      throw new Error(`${String(error)}\nexample output:\n${output}`);
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    }
  });
});
