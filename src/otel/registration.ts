import type {
  Attributes,
  BatchObservableCallback,
  Histogram,
  Meter,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
} from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import type { BatchEmitter } from './sources.js';

/**
 * The bucket boundaries, in seconds, that the messaging semantic conventions give for
 * `messaging.client.operation.duration`; used for every duration histogram here.
 */
export const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** Bucket boundaries for batch sizes, in events. */
export const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * The instruments and listeners one `instrument()` call registered, and how to take them back.
 * @internal
 */
export class Registration {
  readonly #meter: Meter;
  readonly #undo: (() => void)[] = [];

  constructor(meter: Meter) {
    this.#meter = meter;
  }

  /** A cumulative count (or, in seconds, a cumulative time) read from a snapshot. */
  counter(name: string, unit: string, description: string): ObservableCounter {
    return this.#meter.createObservableCounter(name, {
      unit,
      description,
      valueType: typeOf(unit),
    });
  }

  /** A count that goes up and down (a queue depth), read from a snapshot. */
  upDown(name: string, unit: string, description: string): ObservableUpDownCounter {
    return this.#meter.createObservableUpDownCounter(name, {
      unit,
      description,
      valueType: ValueType.INT,
    });
  }

  /** A value that is not a count (an age, a latency), read from a snapshot. */
  gauge(name: string, unit: string, description: string): ObservableGauge {
    return this.#meter.createObservableGauge(name, {
      unit,
      description,
      valueType: ValueType.DOUBLE,
    });
  }

  /** A histogram fed from an emitted `batch` event (one record per batch, never per event). */
  histogram(name: string, unit: string, description: string, buckets: number[]): Histogram {
    return this.#meter.createHistogram(name, {
      unit,
      description,
      valueType: typeOf(unit),
      advice: { explicitBucketBoundaries: buckets },
    });
  }

  /** Calls `callback` once per collection to observe all of `instruments` from one snapshot. */
  observe(instruments: Observable[], callback: BatchObservableCallback): void {
    this.#meter.addBatchObservableCallback(callback, instruments);
    this.#undo.push(() => this.#meter.removeBatchObservableCallback(callback, instruments));
  }

  /** Listens to `emitter`'s `batch` events until unregistered. */
  listen<T>(emitter: BatchEmitter<T>, listener: (info: T) => void): void {
    emitter.on('batch', listener);
    this.#undo.push(() => emitter.off('batch', listener));
  }

  /** Removes every callback and listener, last registered first. Idempotent. */
  unregister(): void {
    for (const undo of this.#undo.splice(0).reverse()) undo();
  }
}

/** Attributes of one sink in a logger. */
export function sinkAttributes(sink: string): Attributes {
  return { 'eventrail.sink.name': sink };
}

/** Seconds are fractional; everything else counted here is a whole number. */
function typeOf(unit: string): ValueType {
  return unit === 's' ? ValueType.DOUBLE : ValueType.INT;
}
