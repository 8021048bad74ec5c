/** The analytics strip: events per type, and the error rate over time. @internal */
export const STRIP_JS = `
function countsList(counts) {
  var list = el('ul', 'counts');
  var top = counts.reduce(function (max, c) { return Math.max(max, c.count); }, 1);
  counts.forEach(function (c) {
    var bar = el('span', 'bar' + (String(c.type).toUpperCase() === 'ERROR' ? ' error' : ''));
    bar.style.setProperty('--w', Math.max(1, (100 * c.count) / top) + '%');
    add(list, add(el('li'), el('span', 'name', c.type), el('span', 'n', c.count), bar));
  });
  return list;
}

function errorRate(series) {
  var box = el('div', 'spark');
  box.setAttribute('role', 'img');
  var errors = 0, total = 0;
  series.forEach(function (point) {
    errors += point.errors;
    total += point.count;
    var rate = point.count > 0 ? point.errors / point.count : 0;
    var bar = el('span', point.errors > 0 ? null : 'none');
    bar.style.setProperty('--h', Math.round(rate * 100) + '%');
    bar.title = when(point.start) + ': ' + point.errors + ' errors of ' + point.count + ' events';
    box.appendChild(bar);
  });
  var text = errors + ' errors of ' + total + ' events (' + (total ? ((100 * errors) / total).toFixed(1) : '0') + '%)';
  box.setAttribute('aria-label', 'Error rate over time: ' + text);
  return [box, el('p', 'muted', text)];
}

function strip(title, counts, series) {
  var rate = errorRate(series);
  return add(el('section', 'panel strip'),
    add(el('div'), el('h2', null, 'Events by type' + title), countsList(counts)),
    add(el('div'), el('h2', null, 'Error rate over time' + title), rate[0], rate[1]));
}

/** Buckets events (createdAt) into n equal slices from start to end. */
function seriesOf(events, start, end, n) {
  var width = Math.max(1, (end - start) / n);
  var points = [];
  for (var i = 0; i < n; i++) points.push({ start: start + i * width, count: 0, errors: 0 });
  events.forEach(function (e) {
    var point = points[Math.min(n - 1, Math.floor((Date.parse(e.createdAt) - start) / width))];
    if (!point) return;
    point.count++;
    if (isError(e)) point.errors++;
  });
  return points;
}

function countsOf(events) {
  var counts = {};
  events.forEach(function (e) { counts[e.type] = (counts[e.type] || 0) + 1; });
  return Object.keys(counts).map(function (type) { return { type: type, count: counts[type] }; })
    .sort(function (a, b) { return b.count - a.count || (a.type < b.type ? -1 : 1); });
}
`;
