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
        'drizzle/0004_event_stream.sql',
        'drizzle/down/0004_event_stream.sql',
      ]),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('tests/'))).toEqual([]);
  });

  it('can be imported (ESM) and required (CJS) at every entry point, with one copy of each class', async () => {
    const check = (load: (entry: string) => string) => `
      const core = ${load('eventrail')};
      const postgres = ${load('eventrail/postgres')};
      const rabbitmq = ${load('eventrail/rabbitmq')};
      const schema = ${load('eventrail/schema')};
      const http = ${load('eventrail/http')};
      if (typeof http.createEventsApi !== 'function' || typeof http.toNodeListener !== 'function') throw new Error('http entry');
      if (typeof core.EventLogger !== 'function' || typeof postgres.PostgresSink !== 'function') throw new Error('missing exports');
      if (typeof postgres.migrate !== 'function' || typeof schema.eventLogs !== 'object') throw new Error('missing exports');
      if (typeof rabbitmq.RabbitMQSink !== 'function' || typeof rabbitmq.RabbitMQError !== 'function') throw new Error('rabbitmq entry');
      for (const make of [() => new postgres.PostgresSink({ db: {} }), () => new rabbitmq.RabbitMQSink({})]) {
        let caught;
        try { make(); } catch (e) { caught = e; }
        if (!(caught instanceof core.ValidationError)) throw new Error('ValidationError differs between entry points');
      }
      if (!(new rabbitmq.RabbitMQError('RABBITMQ_NACKED', 'x') instanceof core.EventrailError)) throw new Error('EventrailError differs');
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

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    await writeFile(
      join(dir, 'consumer.ts'),
      `import { EventLogger, ValidationError, type EventInput } from 'eventrail';
import { RabbitMQSink, type RabbitMQSinkState } from 'eventrail/rabbitmq';
import { EventQueries, MemoryCacheStore, PostgresSink, migrate, type QueryScope } from 'eventrail/postgres';
import { eventLogs, createEventrailTables } from 'eventrail/schema';
import { createEventsApi, toNodeListener } from 'eventrail/http';
import pg from 'pg';
const pool = new pg.Pool();
const rabbit = new RabbitMQSink({ url: 'amqp://localhost', exchange: 'events', priority: (e) => e.priority ?? 4 });
const state: RabbitMQSinkState = rabbit.state;
const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool }), rabbit] });
const event: EventInput = { type: 'T', userId: 'u', payload: { a: 1 } };
void logger.logEvent(event);
void migrate(pool, { schema: 'audit' });
const scope: QueryScope = { userId: 'u', projectId: 'p' };
void new EventQueries({ db: pool, cache: new MemoryCacheStore() }).listEvents(scope, { types: ['T'] }, { limit: 10 });
const audit: typeof eventLogs = createEventrailTables('audit').eventLogs;
const listener = toNodeListener(createEventsApi({ queries: new EventQueries({ db: pool }), resolveCaller: () => ({ userId: 'u', projects: ['p'] }) }));
void listener;
export const ok: boolean = audit !== undefined && ValidationError !== undefined && state !== 'closed';
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
      'applied: 0000_init, 0001_outbox_fillfactor, 0004_event_stream',
    );
    expect((await run(cli, ['migrate', '--url', url], { cwd: dir })).stdout).toContain(
      'nothing to do',
    );
    expect(
      (await run(cli, ['rollback', '--url', url, '--steps', 'all'], { cwd: dir })).stdout,
    ).toContain('rolled back: 0004_event_stream, 0001_outbox_fillfactor, 0000_init');
  });
});
