/**
 * The project view: the analytics strip (analytics route, plus the errors of its range from the
 * list route) and the project's sessions and business objects, most recently active first.
 * @internal
 */
export const PROJECT_JS = `
function bucketFor(ms) {
  return ms <= 2 * 3600000 ? 'minute' : ms <= 5 * 86400000 ? 'hour' : 'day';
}

/** The errors of [from, to), at most 5 pages of 500 (newest first). */
async function errorTimes(from, to) {
  var times = [], cursor = null;
  for (var pages = 0; pages < 5; pages++) {
    var page = await api('events', { errorsOnly: 'true', from: from, to: to, limit: 500, cursor: cursor });
    page.items.forEach(function (e) { times.push(Date.parse(e.createdAt)); });
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return times;
}

async function projectStrip(groups) {
  var first = Math.min.apply(null, groups.map(function (g) { return Date.parse(g.firstAt); }));
  var last = Math.max.apply(null, groups.map(function (g) { return Date.parse(g.lastAt); }));
  var from = new Date(first).toISOString(), to = new Date(last + 1).toISOString();
  var results = await Promise.all([
    api('analytics', { from: from, to: to, bucket: bucketFor(last - first) }),
    errorTimes(from, to),
  ]);
  var points = results[0].timeSeries.map(function (p) { return { start: Date.parse(p.start), count: p.count, errors: 0 }; });
  results[1].forEach(function (t) {
    for (var i = points.length - 1; i >= 0; i--) if (points[i].start <= t) { points[i].errors++; break; }
  });
  return strip(' (project)', results[0].countsByType, points);
}

function summaryTable(caption, items, name, link) {
  var table = add(el('table'), el('caption', null, caption));
  var head = add(el('tr'));
  [name, 'Last activity', 'Duration', 'Events', 'Errors', 'Agents'].forEach(function (h, i) {
    var th = el('th', i >= 2 && i <= 4 ? 'num' : null, h);
    th.scope = 'col';
    head.appendChild(th);
  });
  var body = el('tbody');
  items.forEach(function (item) {
    var a = el('a', null, link.label(item));
    a.href = link.href(item);
    var th = add(el('th'), a);
    th.scope = 'row';
    var agents = item.agents.join(', ') + (item.agentCount > item.agents.length ? ' +' + (item.agentCount - item.agents.length) : '');
    add(body, add(el('tr'), th, el('td', null, when(item.lastAt)),
      el('td', 'num', span(Date.parse(item.lastAt) - Date.parse(item.firstAt))),
      el('td', 'num', item.events), el('td', 'num' + (item.errors ? ' err' : ''), item.errors),
      el('td', null, agents || '—')));
  });
  return add(el('div', 'panel table-wrap'), add(table, add(el('thead'), head), body));
}

async function projectView() {
  document.title = CONFIG.projectId + ' · eventrail timeline';
  var lists = await Promise.all([api('sessions', { limit: 100 }), api('aggregates', { limit: 100 })]);
  var sessions = lists[0].items, aggregates = lists[1].items;
  var groups = sessions.concat(aggregates);
  var view = add(el('div', 'project'), el('h1', null, 'Project ' + CONFIG.projectId));
  if (groups.length === 0) {
    view.appendChild(add(el('section', 'state'), el('p', null, 'No sessions or business objects with events yet.')));
    view.dataset.state = 'empty';
  } else {
    view.appendChild(await projectStrip(groups));
  }
  if (sessions.length) view.appendChild(summaryTable('Sessions (most recent first)', sessions, 'Session', {
    label: function (s) { return s.sessionId; },
    href: function (s) { return pageUrl(s.sessionId); },
  }));
  if (aggregates.length) view.appendChild(summaryTable('Business objects (most recent first)', aggregates, 'Object', {
    label: function (a) { return a.aggregateType + ' ' + a.aggregateId; },
    href: function (a) { return pageUrl(null, { aggregateType: a.aggregateType, aggregateId: a.aggregateId }); },
  }));
  main.replaceChildren(view);
}
`;
