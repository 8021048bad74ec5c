/** A subscription yields markers only when made with `markers: true`: its type says which. */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  EventStream,
  StreamEvent,
  StreamMarker,
  Subscription,
} from '../../src/postgres/index.js';

declare const stream: EventStream;
declare const markers: boolean;
const scope = { userId: 'u' };

describe('subscribe overloads', () => {
  it('types the iteration by markers', () => {
    expectTypeOf(stream.subscribe(scope)).toEqualTypeOf<Subscription<StreamEvent>>();
    expectTypeOf(stream.subscribe(scope, {}, { from: 'start' })).toEqualTypeOf<
      Subscription<StreamEvent>
    >();
    expectTypeOf(stream.subscribe(scope, {}, { from: new Date(), markers: true })).toEqualTypeOf<
      Subscription<StreamEvent | StreamMarker>
    >();
    expectTypeOf(stream.subscribe(scope, {}, { markers })).toEqualTypeOf<
      Subscription<StreamEvent | StreamMarker>
    >();
    expectTypeOf(stream.subscribe(scope).take()).toEqualTypeOf<StreamEvent | undefined>();
    // @ts-expect-error `after` is now `from`
    void stream.subscribe(scope, {}, { after: 'cursor' });
  });
});
