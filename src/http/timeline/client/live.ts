/**
 * Live updates over the SSE route (`events/stream`, the list route's filters but `from`, which
 * there says where the stream starts: here `now`, its default). The stream is opened before
 * history is read, so an event that commits in between comes by one or both ways (kept once, by
 * id), never by neither. The browser reconnects by itself with Last-Event-ID after a network
 * error or an `end` from the server; after an `end` saying that position expired
 * (`CURSOR_EXPIRED`: retention removed what followed it), the stream is opened afresh.
 * @internal
 */
export const LIVE_JS = `
var live = { source: null };

function liveState(state, text) {
  var node = document.getElementById('live');
  node.dataset.live = state;
  node.textContent = text;
}

function stopLive() {
  if (live.source) live.source.close();
  live.source = null;
}

/** Opens the stream of the current filters; resolves once it answered (or failed). */
function startLive(onEvent) {
  stopLive();
  if (!CONFIG.live || typeof EventSource !== 'function') {
    liveState('off', 'Live updates off');
    return Promise.resolve();
  }
  var query = listQuery();
  delete query.from;
  var source = new EventSource(apiUrl('events/stream', query));
  live.source = source;
  liveState('connecting', 'Connecting…');
  source.addEventListener('open', function () { liveState('on', 'Live'); });
  source.addEventListener('event', function (message) { onEvent(JSON.parse(message.data)); });
  source.addEventListener('end', function (message) {
    liveState('connecting', 'Reconnecting…');
    if (JSON.parse(message.data).code === 'CURSOR_EXPIRED') startLive(onEvent);
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) liveState('off', 'Live updates unavailable');
    else liveState('connecting', 'Reconnecting…');
  });
  return new Promise(function (resolve) {
    source.addEventListener('open', resolve, { once: true });
    source.addEventListener('error', resolve, { once: true });
  });
}
`;
