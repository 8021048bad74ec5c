/**
 * The session view (or a business object's): loads its events newest first, page by page with
 * the list route's cursor, draws them, and moves between marks with the keyboard.
 * @internal
 */
export const SESSION_JS = `
var S = null;

function subjectOf() {
  if (CONFIG.sessionId) return { params: { sessionId: CONFIG.sessionId }, title: 'Session ' + CONFIG.sessionId };
  var q = new URLSearchParams(location.search);
  var type = q.get('aggregateType'), id = q.get('aggregateId');
  if (type && id) return { params: { aggregateType: type, aggregateId: id }, title: type + ' ' + id };
  return null;
}

function listQuery() {
  var f = S.filter;
  return Object.assign({}, S.subject.params, {
    type: f.type, errorsOnly: f.errorsOnly ? 'true' : '', from: isoOf(f.from), to: isoOf(f.to),
  });
}

function byTime(a, b) {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function addEvents(items) {
  items.forEach(function (e) {
    if (S.ids[e.id]) return;
    S.ids[e.id] = true;
    S.types[e.type] = true;
    S.events.push(e);
  });
  S.events.sort(byTime);
}

async function loadPage() {
  var page = await api('events', Object.assign(listQuery(), { limit: 500, cursor: S.cursor }));
  addEvents(page.items);
  S.cursor = page.nextCursor;
}

function liveEvent(event) {
  addEvents([event]);
  if (!S.pending) S.pending = setTimeout(function () { S.pending = null; render(); }, 50);
}

async function reload() {
  S.events = []; S.ids = {}; S.cursor = null;
  await startLive(liveEvent);
  try {
    await loadPage();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    S.notice.textContent = 'Refused: ' + error.message;
  }
  render();
}

function focusMark(button) {
  if (!button) return;
  S.marks.forEach(function (m) { m.tabIndex = -1; });
  button.tabIndex = 0;
  button.focus();
  button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

function nearestInLane(from, step) {
  var lanes = Array.prototype.slice.call(S.box.querySelectorAll('.lane'));
  var here = lanes.indexOf(from.closest('.lane'));
  var target = lanes[here + step];
  if (!target) return null;
  var x = from.offsetLeft, best = null;
  target.querySelectorAll('.mark').forEach(function (m) {
    if (!best || Math.abs(m.offsetLeft - x) < Math.abs(best.offsetLeft - x)) best = m;
  });
  return best || nearestInLane(target.querySelector('.lane-name'), step);
}

function onKey(event) {
  var mark = event.target.closest && event.target.closest('.mark');
  if (!mark) return;
  var i = S.marks.indexOf(mark), next = null;
  if (event.key === 'ArrowRight') next = S.marks[i + 1];
  else if (event.key === 'ArrowLeft') next = S.marks[i - 1];
  else if (event.key === 'Home') next = S.marks[0];
  else if (event.key === 'End') next = S.marks[S.marks.length - 1];
  else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') next = nearestInLane(mark, event.key === 'ArrowDown' ? 1 : -1);
  else if (event.key === 'Escape') return select(null);
  else return;
  event.preventDefault();
  focusMark(next);
}

function select(id) {
  S.selected = id;
  S.marks.forEach(function (m) { m.setAttribute('aria-pressed', String(m.dataset.id === id)); });
  var event = S.events.find(function (e) { return e.id === id; });
  S.detailsSlot.replaceChildren(details(event || null));
}

function render() {
  var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
  var old = S.box, follow = old && old.scrollWidth > old.clientWidth && old.scrollLeft + old.clientWidth >= old.scrollWidth - 8;
  var drawn = drawLanes(S.events, S.lane);
  S.box = drawn.box;
  S.marks = drawn.marks;
  S.box.addEventListener('keydown', onKey);
  S.box.addEventListener('click', function (event) {
    var mark = event.target.closest('.mark');
    if (mark) { focusMark(mark); select(mark.dataset.id); }
  });
  S.controls.update(Object.keys(S.types).sort(), drawn.lanes.names, drawn.lanes.mode, S.filter.type, S.lane);
  var shown = S.lane ? S.events.filter(function (e) { return drawn.lanes.laneOf[e.id] === S.lane; }) : S.events;
  var start = shown.length ? Date.parse(shown[0].createdAt) : 0;
  var end = shown.length ? Date.parse(shown[shown.length - 1].createdAt) + 1 : 1;
  S.stripSlot.replaceChildren(strip(' (loaded events)', countsOf(shown), seriesOf(shown, start, end, 24)));
  var more = null;
  if (S.cursor) {
    more = el('button', 'more', 'Load older events');
    more.type = 'button';
    more.addEventListener('click', function () { loadPage().then(render, showState); });
  }
  var summary = el('p', 'muted', shown.length + ' events shown' + (S.cursor ? ' (older events not loaded yet)' : '') +
    (shown.length ? ', ' + when(start) + ' to ' + when(end - 1) : ''));
  summary.id = 'summary';
  S.timelineSlot.replaceChildren();
  add(S.timelineSlot, el('h2', null, 'Timeline'), summary, shown.length ? S.box : el('p', 'state', 'No events match.'), legend(), more);
  var keep = S.marks.find(function (m) { return m.dataset.id === (focused || S.selected); }) || S.marks[0];
  if (keep) keep.tabIndex = 0;
  if (focused && keep && keep.dataset.id === focused) keep.focus();
  // Where the reader was; at the newest end, it follows new events.
  S.box.scrollLeft = follow ? S.box.scrollWidth : old ? old.scrollLeft : 0;
  select(S.selected);
}

function legend() {
  var box = el('p', 'legend');
  [['k-tool risk-low', 'tool, low risk'], ['k-tool risk-high', 'tool, high risk'], ['k-agent', 'agent switch / call'],
    ['k-approval', 'approval'], ['k-warn', 'approval warning'], ['k-error', 'error'], ['k-other', 'other']].forEach(function (item) {
    add(box, add(el('span'), el('span', 'mark ' + item[0]), item[1]));
  });
  box.setAttribute('aria-hidden', 'true');
  return box;
}

async function sessionView() {
  var subject = subjectOf();
  if (!subject) throw new ApiError(400, 'NO_SUBJECT', 'Name a session (…/timeline/{sessionId}) or an object (?aggregateType=…&aggregateId=…)');
  S = { subject: subject, filter: {}, lane: '', types: {}, events: [], ids: {}, marks: [], selected: null };
  document.title = subject.title + ' · ' + CONFIG.projectId;
  var back = el('a', null, '← Project ' + CONFIG.projectId);
  back.href = pageUrl(null);
  S.controls = filtersForm(function (filter) { S.filter = filter; S.notice.textContent = ''; reload().catch(showState); },
    function (lane) { S.lane = lane; render(); });
  S.notice = el('p', 'muted');
  S.notice.setAttribute('role', 'status');
  S.stripSlot = el('div', 'wide');
  S.timelineSlot = el('section', 'panel timeline');
  S.timelineSlot.setAttribute('aria-label', 'Timeline');
  S.detailsSlot = el('div');
  main.replaceChildren(add(el('div', 'session'),
    add(el('div', 'wide'), back, el('h1', null, subject.title), S.controls.form, S.notice),
    S.timelineSlot, S.detailsSlot, S.stripSlot));
  await reload();
}
`;
