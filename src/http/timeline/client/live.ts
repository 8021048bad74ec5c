import { apiUrl, CONFIG, type Params } from './api.js';
import type { TimelineEvent } from './model/event.js';

/**
 * Live updates over the SSE route (`events/stream`, the list route's filters but `from`, which
 * there says where the stream starts: here `now`, its default). The stream is opened before
 * history is read, so an event that commits in between comes by one or both ways (kept once, by
 * id), never by neither. The browser reconnects by itself with Last-Event-ID after a network
 * error or an `end` from the server; after an `end` saying that position expired
 * (`CURSOR_EXPIRED`: retention removed what followed it), the stream is opened afresh.
 * @internal
 */
let source: EventSource | null = null;

function liveState(state: string, text: string): void {
  const node = document.getElementById('live');
  if (!node) return;
  node.dataset.live = state;
  node.textContent = text;
}

export function stopLive(): void {
  source?.close();
  source = null;
}

/** Opens the stream of `query`; resolves once it answered (or failed). */
export function startLive(query: Params, onEvent: (event: TimelineEvent) => void): Promise<void> {
  stopLive();
  if (!CONFIG.live || typeof EventSource !== 'function') {
    liveState('off', 'Live updates off');
    return Promise.resolve();
  }
  const { from: _from, ...rest } = query;
  const stream = new EventSource(apiUrl('events/stream', rest));
  source = stream;
  liveState('connecting', 'Connecting…');
  stream.addEventListener('open', () => liveState('on', 'Live'));
  stream.addEventListener('event', (message) => onEvent(JSON.parse(message.data)));
  stream.addEventListener('end', (message) => {
    liveState('connecting', 'Reconnecting…');
    if (JSON.parse(message.data).code === 'CURSOR_EXPIRED') void startLive(query, onEvent);
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CLOSED) liveState('off', 'Live updates unavailable');
    else liveState('connecting', 'Reconnecting…');
  });
  return new Promise((resolve) => {
    stream.addEventListener('open', () => resolve(), { once: true });
    stream.addEventListener('error', () => resolve(), { once: true });
  });
}
