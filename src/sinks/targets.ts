/**
 * Where the outbox publisher and the WAL relay deliver: `sinks`, or one `publish` function
 * standing as a sink named `publish`. @internal
 */
import { ValidationError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import { custom, fn, type Spec } from '../options/spec.js';
import { checkSink, type Sink } from './sink.js';

/**
 * Publishes one batch, or throws. Errors are classified like those of a sink without
 * `classifyError` (socket errors transient, the rest permanent); throw a `PartialWriteError`
 * when only some events failed.
 */
export type PublishFunction = (
  batch: readonly EventRecord[],
  context: { readonly signal: AbortSignal },
) => Promise<void>;

const SINKS = 'a non-empty array of sinks with distinct names';
const NONE = 'none (give `sinks` or `publish`)';

/** The `sinks` and `publish` options (give one of them). @internal */
export function targetSpecs(): {
  readonly sinks: Spec<readonly Sink[] | undefined>;
  readonly publish: Spec<PublishFunction | undefined>;
} {
  const sinks = custom(SINKS, (value, field) => {
    if (!Array.isArray(value) || value.length === 0) {
      throw new ValidationError(field, 'VALIDATION_REQUIRED', `must be ${SINKS}`);
    }
    const names = new Set<string>();
    for (const [i, sink] of value.entries()) checkSink(sink, i, names);
    return value as readonly Sink[];
  });
  return { sinks: sinks.optional(NONE), publish: fn<PublishFunction>().optional(NONE) };
}

/**
 * The sinks that `sinks` or `publish` (exactly one of them given) stand for; otherwise a
 * {@link ValidationError} naming the field. @internal
 */
export function targetSinks(
  o: { readonly sinks: readonly Sink[] | undefined; readonly publish: PublishFunction | undefined },
  field: string,
): readonly Sink[] {
  if (o.publish !== undefined && o.sinks !== undefined) {
    throw new ValidationError(
      `${field}.publish`,
      'VALIDATION_RANGE',
      'give sinks or publish, not both',
    );
  }
  if (o.sinks !== undefined) return o.sinks;
  const publish = o.publish;
  if (publish === undefined) {
    throw new ValidationError(
      `${field}.sinks`,
      'VALIDATION_REQUIRED',
      `needs ${SINKS} (or publish)`,
    );
  }
  return [{ name: 'publish', write: (batch, context) => publish(batch, context) }];
}
