/**
 * The package as users get it: `npm pack` (which builds), install the tarball into an empty
 * project, then `import` and `require` every entry point, type-check a TypeScript consumer,
 * run the CLI, and migrate from the installed copy (its drizzle/ folder must be in the tarball).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const db = useTestDatabase({ migrated: false });

describe('the packed package', () => {
  let dir = '';
  let files: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventrail-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    // `npm pack` runs `prepack` (the build) first; its JSON report is the last thing printed.
    const [info] = JSON.parse(stdout.slice(stdout.lastIndexOf('[\n  {'))) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = info!.files.map((f) => f.path);
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(dir, info!.filename),
        'pg',
        'drizzle-orm',
        'amqplib',
        '@opentelemetry/api',
        '@nats-io/transport-node',
        '@nats-io/jetstream',
        '@types/pg',
        '@types/node@20',
      ],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
    );
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships dist and the migrations with their down scripts, and no sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
      ]),
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'drizzle/meta/_journal.json',
        'drizzle/0000_init.sql',
        'drizzle/down/0000_init.sql',
        'drizzle/0001_outbox_fillfactor.sql',
        'drizzle/down/0001_outbox_fillfactor.sql',
        'drizzle/0002_event_logs_partitions.sql',
        'drizzle/down/0002_event_logs_partitions.sql',
        'drizzle/0003_event_inbox.sql',
        'drizzle/down/0003_event_inbox.sql',
        'drizzle/0004_event_stream.sql',
        'drizzle/down/0004_event_stream.sql',
        'drizzle/0005_trace_context.sql',
        'drizzle/down/0005_trace_context.sql',
        'drizzle/0006_outbox_lean_indexes.sql',
        'drizzle/down/0006_outbox_lean_indexes.sql',
        'drizzle/0007_consuming.sql',
        'drizzle/down/0007_consuming.sql',
        'drizzle/0008_rollups.sql',
        'drizzle/down/0008_rollups.sql',
        'drizzle/0009_rollups_without_jit.sql',
        'drizzle/down/0009_rollups_without_jit.sql',
      ]),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('tests/'))).toEqual([]);
  });

  it('can be imported (ESM) and required (CJS) at every entry point, with one copy of each class', async () => {
    const check = (load: (entry: string) => string) => `
      const core = ${load('eventrail')};
      const postgres = ${load('eventrail/postgres')};
      const rabbitmq = ${load('eventrail/rabbitmq')};
      const nats = ${load('eventrail/nats')};
      const schema = ${load('eventrail/schema')};
      const http = ${load('eventrail/http')};
      const otel = ${load('eventrail/otel')};
      if (typeof otel.instrument !== 'function') throw new Error('otel entry');
      if (typeof http.EventsApi !== 'function' || typeof http.toNodeListener !== 'function') throw new Error('http entry');
      if (!(new http.EventsApiError('GET', '/', new Error('x')) instanceof core.EventrailError)) throw new Error('EventsApiError differs');
      if (typeof core.EventLogger !== 'function' || typeof postgres.PostgresSink !== 'function') throw new Error('missing exports');
      if (typeof postgres.migrate !== 'function' || typeof schema.eventLogs !== 'object') throw new Error('missing exports');
      if (typeof rabbitmq.RabbitMQSink !== 'function' || typeof rabbitmq.RabbitMQError !== 'function') throw new Error('rabbitmq entry');
      for (const make of [() => new postgres.PostgresSink({ db: {} }), () => new rabbitmq.RabbitMQSink({})]) {
        let caught;
        try { make(); } catch (e) { caught = e; }
        if (!(caught instanceof core.ValidationError)) throw new Error('ValidationError differs between entry points');
      }
      if (!(new rabbitmq.RabbitMQError('RABBITMQ_NACKED', 'x') instanceof core.EventrailError)) throw new Error('EventrailError differs');
      if (typeof nats.NatsSink !== 'function' || !(new nats.NatsError('NATS_NACKED', 'x') instanceof core.EventrailError)) throw new Error('nats entry');
      let natsCaught;
      try { new nats.NatsSink({}); } catch (e) { natsCaught = e; }
      if (!(natsCaught instanceof core.ValidationError)) throw new Error('ValidationError differs for nats');
      if (typeof postgres.Inbox !== 'function') throw new Error('missing inbox export');
      if (typeof postgres.EventQueries !== 'function' || typeof postgres.withTenant !== 'function') throw new Error('missing query exports');
      if (typeof rabbitmq !== 'object') throw new Error('rabbitmq entry');
      let caught;
      try { new postgres.PostgresSink({ db: {} }); } catch (e) { caught = e; }
      if (!(caught instanceof core.ValidationError)) throw new Error('ValidationError differs between entry points');
      console.log('ok');`;
    await writeFile(
      join(dir, 'esm.mjs'),
      check((m) => `await import('${m}')`),
    );
    await writeFile(
      join(dir, 'cjs.cjs'),
      `(async () => {${check((m) => `require('${m}')`)}})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    expect((await run('node', ['esm.mjs'], { cwd: dir })).stdout.trim()).toBe('ok');
    expect((await run('node', ['cjs.cjs'], { cwd: dir })).stdout.trim()).toBe('ok');
  });

  it('loads eventrail/postgres without loading drizzle-orm (ESM and CJS)', async () => {
    // ESM: a resolve hook that refuses drizzle-orm, so that loading it fails the import.
    await writeFile(
      join(dir, 'no-drizzle-hooks.mjs'),
      `export async function resolve(specifier, context, next) {
        if (specifier.startsWith('drizzle-orm')) throw new Error('drizzle-orm was loaded by ' + context.parentURL);
        return next(specifier, context);
      }`,
    );
    await writeFile(
      join(dir, 'no-drizzle.mjs'),
      `import { register } from 'node:module';
      register('./no-drizzle-hooks.mjs', import.meta.url);`,
    );
    const use = (postgres: string) => `
      const pg = ${postgres};
      new pg.PostgresSink({ db: { query: async () => ({ rows: [] }) } });
      new pg.OutboxWriter();
      new pg.OutboxAdmin({ db: { query: async () => ({ rows: [] }) } });`;
    await writeFile(
      join(dir, 'postgres-esm.mjs'),
      `${use("await import('eventrail/postgres')")}\nconsole.log('ok');`,
    );
    await writeFile(
      join(dir, 'postgres-cjs.cjs'),
      `${use("require('eventrail/postgres')")}
      const loaded = Object.keys(require.cache).filter((k) => k.includes('drizzle-orm'));
      if (loaded.length > 0) throw new Error('drizzle-orm was loaded: ' + loaded[0]);
      console.log('ok');`,
    );
    const esm = await run('node', ['--import', './no-drizzle.mjs', 'postgres-esm.mjs'], {
      cwd: dir,
    });
    expect(esm.stdout.trim()).toBe('ok');
    expect((await run('node', ['postgres-cjs.cjs'], { cwd: dir })).stdout.trim()).toBe('ok');
    // The hook does catch drizzle: the schema entry needs it.
    await writeFile(join(dir, 'schema-esm.mjs'), "await import('eventrail/schema');");
    await expect(
      run('node', ['--import', './no-drizzle.mjs', 'schema-esm.mjs'], { cwd: dir }),
    ).rejects.toThrow('drizzle-orm was loaded');
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    await writeFile(
      join(dir, 'consumer.ts'),
      `import { EventLogger, ValidationError, type EventInput } from 'eventrail';
import { RabbitMQSink, type RabbitMQSinkState } from 'eventrail/rabbitmq';
import { NatsSink, type NatsSinkState } from 'eventrail/nats';
import { EventQueries, Inbox, MemoryCacheStore, PostgresSink, migrate, type QueryScope } from 'eventrail/postgres';
import { eventLogs, createEventrailTables } from 'eventrail/schema';
import { EventsApi, type EventsApiMetrics, toNodeListener } from 'eventrail/http';
import { instrument } from 'eventrail/otel';
import pg from 'pg';
const pool = new pg.Pool();
const rabbit = new RabbitMQSink({ url: 'amqp://localhost', exchange: 'events', priority: (e) => e.priority ?? 4 });
const state: RabbitMQSinkState = rabbit.state;
const nats = new NatsSink({ servers: 'nats://localhost:4222', stream: { name: 'EVENTS', subjects: ['cns.>'] } });
const natsState: NatsSinkState = nats.state;
const inbox = new Inbox();
void pool.connect().then((client) => inbox.handle(client, { id: 'x' }, async () => {}));
const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool }), rabbit, nats] });
const event: EventInput = { type: 'T', userId: 'u', payload: { a: 1 } };
void logger.logEvent(event);
void migrate({ db: pool, schema: 'audit' });
const scope: QueryScope = { userId: 'u', projectId: 'p' };
void new EventQueries({ db: pool, cache: new MemoryCacheStore() }).listEvents(scope, { types: ['T'] }, { limit: 10 });
const audit: typeof eventLogs = createEventrailTables('audit').eventLogs;
const api = new EventsApi({ queries: new EventQueries({ db: pool }), resolveCaller: () => ({ userId: 'u', projects: ['p'] }) });
const listener = toNodeListener(api);
void listener;
const apiMetrics: EventsApiMetrics = api.metrics();
void apiMetrics;
void api.close({ timeoutMs: 100 }).then((summary) => summary.ended);
void instrument({ logger, sinks: [rabbit, nats] }).close();
export const ok: boolean = audit !== undefined && ValidationError !== undefined && state !== 'closed' && natsState !== 'closed';
`,
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    await run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: dir }).catch(
      (e: { stdout: string }) => {
        throw new Error(e.stdout);
      },
    );
  });

  it('migrates from the installed copy and has a working CLI', async () => {
    const url = db.url;
    const cli = join(dir, 'node_modules/.bin/eventrail');
    expect((await run(cli, ['migrate', '--url', url], { cwd: dir })).stdout).toContain(
      'applied: 0000_init, 0001_outbox_fillfactor, 0002_event_logs_partitions, 0003_event_inbox, 0004_event_stream, 0005_trace_context, 0006_outbox_lean_indexes, 0007_consuming, 0008_rollups, 0009_rollups_without_jit',
    );
    expect((await run(cli, ['migrate', '--url', url], { cwd: dir })).stdout).toContain(
      'nothing to do',
    );
    const maintained = await run(
      cli,
      [
        'maintain',
        '--url',
        url,
        '--retention',
        '90d',
        '--premake',
        '5',
        '--inbox-retention',
        '30d',
      ],
      {
        cwd: dir,
      },
    );
    expect(maintained.stdout).toMatch(/^created: event_logs_p\d{8}, event_logs_p\d{8}$/m);
    expect(maintained.stdout).toContain('published outbox rows purged: 0');
    expect(maintained.stdout).toContain('consumer inbox records purged: 0');
    expect(
      (await run(cli, ['rollback', '--url', url, '--steps', 'all'], { cwd: dir })).stdout,
    ).toContain(
      'rolled back: 0009_rollups_without_jit, 0008_rollups, 0007_consuming, 0006_outbox_lean_indexes, 0005_trace_context, 0004_event_stream, 0003_event_inbox, 0002_event_logs_partitions, 0001_outbox_fillfactor, 0000_init',
    );
  });
});
