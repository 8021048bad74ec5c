/**
 * migrate, rollback, maintain, the row-level security functions, withTenant and the maintenance
 * timer take the database as the `db` option, and refuse anything else where their options go,
 * a misspelt option (with the closest name) and a bad value before touching the database (the
 * fake database only counts calls).
 */
import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/index.js';
import {
  disableRowLevelSecurity,
  enableRowLevelSecurity,
  MaintenanceTimer,
  maintain,
  migrate,
  rollback,
  withTenant,
} from '../../src/postgres/index.js';

const database = () => ({ query: vi.fn(async () => ({ rows: [], rowCount: 0 })) });
const work = async () => 1;

/** Each function with options, called with `options` as it is (async functions reject). */
const calls: [string, (options: unknown) => Promise<unknown>][] = [
  ['migrate', (o) => migrate(o as never)],
  ['rollback', (o) => rollback(o as never)],
  ['maintain', (o) => maintain(o as never)],
  ['enableRowLevelSecurity', (o) => enableRowLevelSecurity(o as never)],
  ['disableRowLevelSecurity', (o) => disableRowLevelSecurity(o as never)],
  ['withTenant', (o) => withTenant(o as never, work)],
  [
    'new MaintenanceTimer',
    async (o) => {
      new MaintenanceTimer(o as never);
    },
  ],
];

/** A misspelt option of each, and the name it should suggest. */
const typos: Record<string, [Record<string, unknown>, string, string]> = {
  migrate: [{ schemas: 'x' }, 'options.schemas', 'schema'],
  rollback: [{ step: 2 }, 'options.step', 'steps'],
  maintain: [{ retention: 5 }, 'options.retention', 'retentionMs'],
  enableRowLevelSecurity: [{ forced: true }, 'options.forced', 'force'],
  disableRowLevelSecurity: [{ shcema: 'x' }, 'options.shcema', 'schema'],
  withTenant: [{ tenantId: 't', tenantID: 't' }, 'options.tenantID', 'tenantId'],
  'new MaintenanceTimer': [{ intervalMS: 5 }, 'options.intervalMS', 'intervalMs'],
};

async function refusal(call: Promise<unknown>): Promise<ValidationError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('options of the Postgres operations', () => {
  it.each(calls)('%s refuses a database or a string where its options go', async (_, call) => {
    const db = database();
    for (const options of [db, 'x', 42, null, undefined, [db]]) {
      const error = await refusal(call(options));
      expect(error.field).toMatch(/^options/);
    }
    expect(db.query).not.toHaveBeenCalled();
  });

  it.each(calls)('%s refuses a misspelt option, naming the closest one', async (name, call) => {
    const db = database();
    const [typo, field, closest] = typos[name] as [Record<string, unknown>, string, string];
    const error = await refusal(call({ db, ...typo }));
    expect(error).toMatchObject({ field, code: 'VALIDATION_UNKNOWN' });
    expect(error.message).toContain(`did you mean '${closest}'?`);
    expect(db.query).not.toHaveBeenCalled();
  });

  it('names the field of a bad value', async () => {
    const db = database();
    const bad: [Promise<unknown>, string][] = [
      [migrate({ db: {} as never }), 'options.db'],
      [migrate({ db, migrationsFolder: 5 as never }), 'options.migrationsFolder'],
      [rollback({ db, steps: -1 }), 'options.steps'],
      [rollback({ db, steps: 1.5 }), 'options.steps'],
      [enableRowLevelSecurity({ db, force: 'yes' as never }), 'options.force'],
      [disableRowLevelSecurity({ db, force: true } as never), 'options.force'],
      [withTenant({ db, tenantId: '' }, work), 'options.tenantId'],
      [withTenant({ db, tenantId: 't' }, 'work' as never), 'work'],
    ];
    for (const [call, field] of bad) expect(await refusal(call)).toMatchObject({ field });
    expect(() => new MaintenanceTimer({ db, intervalMs: 0 })).toThrow(
      expect.objectContaining({ field: 'options.intervalMs' }),
    );
    expect(() => new MaintenanceTimer({ db, partitionWidthMs: 1000 })).toThrow(
      expect.objectContaining({ field: 'options.partitionWidthMs' }),
    );
    expect(() => new MaintenanceTimer({ db, now: new Date() } as never)).toThrow(
      expect.objectContaining({ field: 'options.now', code: 'VALIDATION_UNKNOWN' }),
    );
    expect(db.query).not.toHaveBeenCalled();
  });

  it('constructs a maintenance timer that touches nothing until start()', async () => {
    const db = database();
    const timer = new MaintenanceTimer({ db });
    await new Promise((r) => setTimeout(r, 20));
    expect(db.query).not.toHaveBeenCalled();
    expect(await timer.close()).toEqual({ timedOut: false, runInProgress: false });
  });
});
