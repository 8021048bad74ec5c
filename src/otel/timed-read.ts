import type { BatchObservableResult, Observable } from '@opentelemetry/api';
import { within } from '../async/wait.js';
import type { Registration } from './registration.js';

/**
 * Observes `instruments` from `read()` (a query) once per collection: when it fails or gives no
 * answer within `readTimeoutMs`, that collection has none of them and `failed` is told, so
 * that a database that stopped answering never holds the whole collection.
 * @internal
 */
export function observeRead<T>(
  r: Registration,
  instruments: Observable[],
  read: () => Promise<T>,
  options: { readonly readTimeoutMs: number; readonly failed: (error: unknown) => void },
  record: (result: BatchObservableResult, value: T) => void,
): void {
  r.observe(instruments, async (result) => {
    try {
      const answer = await within(read(), { timeoutMs: options.readTimeoutMs });
      if (!answer.done) throw new Error(`no answer within ${options.readTimeoutMs} ms`);
      record(result, answer.value);
    } catch (error) {
      options.failed(error);
    }
  });
}
