/**
 * Where a subscription starts (`SubscribeOptions.from`, `markers`) and the SSE route's `from`
 * parameter: what is accepted, and what is refused with a ValidationError naming the field.
 */
import { describe, expect, it } from 'vitest';
import { streamParams } from '../../src/http/params.js';
import { subscribeOptions } from '../../src/postgres/stream/options.js';
import { refused } from '../helpers/refused.js';

const resolve = (options: unknown) => subscribeOptions.resolve(options);
const params = (query: string) => streamParams(new URLSearchParams(query));

describe('SubscribeOptions.from', () => {
  it("defaults to 'now' without markers, and takes 'start', 'now', a Date or a cursor", () => {
    expect(resolve({})).toMatchObject({ from: 'now', markers: false });
    expect(resolve({ from: 'start', markers: true })).toMatchObject({
      from: 'start',
      markers: true,
    });
    const date = new Date('2026-12-01T00:00:00Z');
    expect(resolve({ from: date }).from).toEqual(date);
    expect(resolve({ from: 'czE6MTIzOjA.dGFn' }).from).toBe('czE6MTIzOjA.dGFn');
  });

  it('refuses what cannot be a start, naming options.from', () => {
    expect(refused(() => resolve({ from: 42 }))).toMatchObject({
      field: 'options.from',
      code: 'VALIDATION_TYPE',
    });
    expect(refused(() => resolve({ from: '' }))).toMatchObject({
      field: 'options.from',
      code: 'VALIDATION_RANGE',
    });
    expect(refused(() => resolve({ from: 'x'.repeat(5000) })).field).toBe('options.from');
    expect(refused(() => resolve({ from: new Date(Number.NaN) })).field).toBe('options.from');
    expect(refused(() => resolve({ from: null })).field).toBe('options.from');
    expect(refused(() => resolve({ markers: 'yes' })).field).toBe('options.markers');
  });

  it('no longer takes after: it is refused as an unknown option', () => {
    const error = refused(() => resolve({ after: 'czE6MTIzOjA.dGFn' }));
    expect(error).toMatchObject({ field: 'options.after', code: 'VALIDATION_UNKNOWN' });
  });
});

describe("the stream route's from parameter", () => {
  it('takes start, now, an ISO time or a cursor; the other list filters stay filters', () => {
    expect(params('from=start&type=A')).toEqual({ filters: { types: ['A'] }, from: 'start' });
    expect(params('from=now').from).toBe('now');
    expect(params('').from).toBeUndefined();
    expect(params('from=2026-11-23T10:00:00Z').from).toEqual(new Date('2026-11-23T10:00:00Z'));
    expect(params('from=2026-11-23').from).toEqual(new Date('2026-11-23T00:00:00Z'));
    expect(params('from=czE6MTIzOjA.dGFn&to=2026-11-24')).toEqual({
      filters: { to: new Date('2026-11-24T00:00:00Z') },
      from: 'czE6MTIzOjA.dGFn',
    });
  });

  it('refuses a bad time, a repeated from and the old after parameter, naming them', () => {
    expect(refused(() => params('from=2026-02-30')).field).toBe('from');
    expect(refused(() => params('from=2026-11-23T10:00')).field).toBe('from');
    expect(refused(() => params('from=start&from=now')).field).toBe('from');
    expect(refused(() => params('after=x')).field).toBe('after');
    expect(refused(() => params('cursor=x')).field).toBe('cursor');
  });
});
