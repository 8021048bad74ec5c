/**
 * Which partitions maintenance makes and drops, decided from the catalog's bounds and the clock
 * alone; and its options, refused with an error naming the field.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { maintain } from '../../src/postgres/index.js';
import { parseDuration, resolveMaintainOptions } from '../../src/postgres/maintenance/options.js';
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
  it('reads durations in several spellings', () => {
    expect(parseDuration('90 days', 'f')).toBe(90 * DAY);
    expect(parseDuration('90d', 'f')).toBe(90 * DAY);
    expect(parseDuration('12h', 'f')).toBe(12 * 3_600_000);
    expect(parseDuration('2 weeks', 'f')).toBe(14 * DAY);
    expect(parseDuration('30 minutes', 'f')).toBe(30 * 60_000);
    expect(parseDuration(1500, 'f')).toBe(1500);
    expect(resolveMaintainOptions()).toMatchObject({
      retentionMs: 90 * DAY,
      widthMs: DAY,
      premake: 3,
      outboxRetentionMs: 7 * DAY,
      inboxRetentionMs: null,
      lockTimeoutMs: 3000,
      log: undefined,
    });
    expect(resolveMaintainOptions({ outboxRetention: null }).outboxRetentionMs).toBeNull();
    expect(resolveMaintainOptions({ inboxRetention: '30d' }).inboxRetentionMs).toBe(30 * DAY);
  });

  const bad: [string, object, string][] = [
    ['a retention of nonsense', { retention: 'soon' }, 'options.retention'],
    ['a negative retention', { retention: -5 }, 'options.retention'],
    ['a retention of months (no fixed length)', { retention: '3 months' }, 'options.retention'],
    ['a width that is not whole hours', { partitionWidth: '90 minutes' }, 'options.partitionWidth'],
    ['a fractional premake', { premake: 1.5 }, 'options.premake'],
    ['a premake of 5000', { premake: 5000 }, 'options.premake'],
    ['an invalid now', { now: new Date('x') }, 'options.now'],
    ['a schema that is not an identifier', { schema: 'a-b' }, 'options.schema'],
    ['a lockTimeoutMs of 0', { lockTimeoutMs: 0 }, 'options.lockTimeoutMs'],
    ['an inboxRetention of nonsense', { inboxRetention: 'later' }, 'options.inboxRetention'],
    ['a log without its levels', { log: { info() {} } }, 'options.log'],
  ];
  it.each(bad)(
    'refuses %s, naming the field, before touching the database',
    (_, options, field) => {
      const db = {
        query: () => {
          throw new Error('touched');
        },
      };
      expect(() => resolveMaintainOptions(options)).toThrow(ValidationError);
      expect(() => resolveMaintainOptions(options)).toThrow(expect.objectContaining({ field }));
      expect(() => maintain(db, options)).toThrow(expect.objectContaining({ field }));
    },
  );
});
