/**
 * Which partitions maintenance makes and drops, decided from the catalog's bounds and the clock
 * alone; and its options, refused with an error naming the field.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { maintain } from '../../src/postgres/index.js';
import {
  DEFAULT_MAINTAIN_OPTIONS,
  maintainOptions,
} from '../../src/postgres/maintenance/options.js';
import { partitionName, planPartitions } from '../../src/postgres/maintenance/plan.js';
import type { PartitionRow } from '../../src/postgres/sql/partitions.js';

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const range = (from: string, to: string): PartitionRow => ({
  name: partitionName(day(from)),
  lower_ms: day(from),
  upper_ms: day(to),
  is_default: false,
});
const DEFAULT: PartitionRow = {
  name: 'event_logs_default',
  lower_ms: null,
  upper_ms: null,
  is_default: true,
};
const input = (now: number) => ({ now, retentionMs: 90 * DAY, widthMs: DAY, premake: 3 });

describe('planPartitions', () => {
  it('continues from the newest bound up to premake days past today', () => {
    const plan = planPartitions([DEFAULT, range('2026-11-29', '2026-11-30')], {
      ...input(day('2026-11-29') + 3_600_000),
    });
    expect(plan.create.map((p) => p.name)).toEqual([
      'event_logs_p20261130',
      'event_logs_p20261201',
      'event_logs_p20261202',
    ]);
    expect(plan.create[0]).toMatchObject({ from: day('2026-11-30'), to: day('2026-12-01') });
    expect(plan.drop).toEqual([]);
  });

  it('starts at the current slot when only the default partition exists', () => {
    const plan = planPartitions([DEFAULT], { ...input(day('2026-11-29') + 5), premake: 0 });
    expect(plan.create).toEqual([
      { name: 'event_logs_p20261129', from: day('2026-11-29'), to: day('2026-11-30') },
    ]);
  });

  it('drops a partition only once its upper bound is at or before now − retention', () => {
    const parts = [range('2026-08-30', '2026-08-31'), range('2026-08-31', '2026-09-01'), DEFAULT];
    // The first partition's last instant is 2026-08-30T23:59:59.999: 90 days later it expires.
    const justBefore = day('2026-08-31') + 90 * DAY - 1;
    expect(planPartitions(parts, input(justBefore)).drop).toEqual([]);
    expect(planPartitions(parts, input(justBefore + 1)).drop).toEqual(['event_logs_p20260830']);
    expect(planPartitions(parts, input(justBefore + 1 + DAY)).drop).toEqual([
      'event_logs_p20260830',
      'event_logs_p20260831',
    ]);
    // A clock far in the past drops nothing, whatever exists.
    expect(planPartitions(parts, input(day('2000-01-01'))).drop).toEqual([]);
  });

  it('never drops a partition bounded by MAXVALUE or the default partition, and makes none after MAXVALUE', () => {
    const open = { ...range('2026-01-01', '2026-01-02'), upper_ms: null };
    const plan = planPartitions([DEFAULT, open], input(day('2027-01-01')));
    expect(plan).toMatchObject({ drop: [], create: [] });
  });

  it('skips the expired past when maintenance did not run for longer than the retention', () => {
    const plan = planPartitions([range('2026-01-01', '2026-01-02')], input(day('2026-11-29')));
    expect(plan.create[0]?.from).toBe(day('2026-11-29') - 90 * DAY);
    expect(plan.create.at(-1)?.to).toBe(day('2026-12-03'));
    expect(plan.drop).toEqual(['event_logs_p20260101']);
  });

  it('cuts hour-wide partitions, and realigns after a width change', () => {
    const plan = planPartitions([range('2026-11-29', '2026-11-30')], {
      ...input(day('2026-11-30') + 90 * 60_000),
      widthMs: 6 * 3_600_000,
      premake: 1,
    });
    expect(plan.create.map((p) => p.name)).toEqual([
      'event_logs_p20261130',
      'event_logs_p20261130_06',
    ]);
  });
});

describe('maintenance options', () => {
  const db = {
    query: () => {
      throw new Error('touched');
    },
  };

  it('resolves to the documented defaults, durations in milliseconds', () => {
    expect(maintainOptions.resolve({ db })).toMatchObject({
      schema: 'eventrail',
      retentionMs: 90 * DAY,
      partitionWidthMs: DAY,
      premake: 3,
      outboxRetentionMs: 7 * DAY,
      inboxRetentionMs: null,
      lockTimeoutMs: 3000,
      log: undefined,
      now: undefined,
    });
    expect(DEFAULT_MAINTAIN_OPTIONS).toMatchObject({ retentionMs: 7_776_000_000 });
    expect(maintainOptions.resolve({ db, outboxRetentionMs: null }).outboxRetentionMs).toBeNull();
    expect(maintainOptions.resolve({ db, inboxRetentionMs: 30 * DAY }).inboxRetentionMs).toBe(
      30 * DAY,
    );
    expect(maintainOptions.resolve({ db, partitionWidthMs: 6 * 3_600_000 }).partitionWidthMs).toBe(
      6 * 3_600_000,
    );
  });

  const bad: [string, object, string][] = [
    ['a retention as text', { retentionMs: '90 days' }, 'options.retentionMs'],
    ['a negative retention', { retentionMs: -5 }, 'options.retentionMs'],
    ['a retention beyond 100 years', { retentionMs: 36_526 * DAY }, 'options.retentionMs'],
    [
      'a width that is not whole hours',
      { partitionWidthMs: 90 * 60_000 },
      'options.partitionWidthMs',
    ],
    ['a fractional premake', { premake: 1.5 }, 'options.premake'],
    ['a premake of 5000', { premake: 5000 }, 'options.premake'],
    ['an invalid now', { now: new Date('x') }, 'options.now'],
    ['a schema that is not an identifier', { schema: 'a-b' }, 'options.schema'],
    ['a lockTimeoutMs of 0', { lockTimeoutMs: 0 }, 'options.lockTimeoutMs'],
    ['an inboxRetentionMs as text', { inboxRetentionMs: '30d' }, 'options.inboxRetentionMs'],
    ['a log without its levels', { log: { info() {} } }, 'options.log'],
    ['the old name of an option', { retention: 5 }, 'options.retention'],
  ];
  it.each(bad)(
    'refuses %s, naming the field, before touching the database',
    async (_, options, field) => {
      expect(() => maintainOptions.resolve({ db, ...options })).toThrow(ValidationError);
      await expect(maintain({ db, ...options } as never)).rejects.toMatchObject({ field });
    },
  );
});
