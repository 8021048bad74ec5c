/**
 * The session's picture: lanes (one per agent; per workflow stage when no event names an agent),
 * a time axis with idle gaps compressed, a mark per event, approvals as spans.
 * @internal
 */
export const LANES_JS = `
var STEP = 16;

/** The lane of every event, and the lanes in order of first appearance. */
function lanesOf(events) {
  var byAgent = events.some(function (e) { return e.agentId; });
  var stages = !byAgent && events.some(function (e) { return field(e.payload, 'stage_name'); });
  var rest = byAgent ? '(session)' : stages ? '(workflow)' : 'events';
  var names = [], laneOf = {}, stage = null;
  events.forEach(function (e) {
    var lane = rest;
    if (byAgent && e.agentId) lane = e.agentId;
    if (stages) {
      var name = field(e.payload, 'stage_name');
      if (name && /_started$/i.test(e.type)) stage = name;
      lane = name || stage || rest;
      if (name && /_completed$/i.test(e.type) && name === stage) stage = null;
    }
    laneOf[e.id] = lane;
    if (names.indexOf(lane) < 0) names.push(lane);
  });
  return { mode: byAgent ? 'agent' : stages ? 'stage' : 'none', names: names, laneOf: laneOf };
}

/** x of every event: one step apart, plus 20 px per decade of milliseconds between them. */
function positions(events) {
  var x = {}, at = STEP, previous = null;
  events.forEach(function (e) {
    var t = Date.parse(e.createdAt);
    if (previous !== null) at += STEP + 20 * Math.min(6, Math.log10(1 + Math.max(0, t - previous)));
    x[e.id] = at;
    previous = t;
  });
  return { x: x, width: at + 240 };
}

function kindOf(e) {
  var type = String(e.type).toUpperCase();
  if (isError(e)) return 'k-error';
  if (type === 'APPROVAL_TIMEOUT_WARNING') return 'k-warn';
  if (type.indexOf('APPROVAL_') === 0) return 'k-approval';
  if (type.indexOf('TOOL_') === 0) return 'k-tool';
  if (type === 'AGENT_SWITCHED' || type === 'DIRECT_AGENT_CALL') return 'k-agent';
  return 'k-other';
}

function riskOf(e) {
  var risk = (field(e.payload, 'risk_level') || field(e.payload, 'severity') || '').toLowerCase();
  return ['low', 'medium', 'high', 'critical'].indexOf(risk) >= 0 ? risk : null;
}

function describe(e) {
  var parts = [e.type];
  var tool = e.toolName || field(e.payload, 'tool_name');
  if (tool) parts.push(tool);
  var risk = riskOf(e);
  if (risk) parts.push('risk ' + risk);
  if (isError(e)) parts.push(e.errorCode || field(e.payload, 'error_code') || 'error');
  if (e.approvalStatus) parts.push(e.approvalStatus);
  return parts.join(', ') + ' at ' + clock(e.createdAt);
}

function mark(e, x) {
  var risk = riskOf(e);
  var button = el('button', 'mark ' + kindOf(e) + (risk ? ' risk-' + risk : ''));
  button.type = 'button';
  button.dataset.id = e.id;
  button.dataset.type = e.type;
  button.tabIndex = -1;
  button.style.left = (x - 6) + 'px';
  button.setAttribute('aria-label', describe(e));
  button.setAttribute('aria-pressed', 'false');
  button.title = describe(e);
  return button;
}

function errorLabel(e, x) {
  var code = e.errorCode || field(e.payload, 'error_code') || e.type;
  var message = field(e.payload, 'error_message') || field(e.payload, 'message') || '';
  var label = el('span', 'err-label', code + (message ? ': ' + message : ''));
  label.style.left = (x + 12) + 'px';
  return label;
}

/** Approval spans: APPROVAL_REQUIRED to RESOLVED or TIMEOUT, keyed by payload.approval_id. */
function approvals(events) {
  var open = {}, spans = [];
  events.forEach(function (e) {
    var id = field(e.payload, 'approval_id');
    if (!id) return;
    var type = String(e.type).toUpperCase();
    if (type === 'APPROVAL_REQUIRED') { open[id] = { id: id, start: e, end: null, warned: false }; spans.push(open[id]); }
    else if (!open[id]) return;
    else if (type === 'APPROVAL_TIMEOUT_WARNING') open[id].warned = true;
    else if (type === 'APPROVAL_RESOLVED' || type === 'APPROVAL_TIMEOUT') { open[id].end = e; delete open[id]; }
  });
  return spans;
}

function spanParts(s, pos, laneOf, second) {
  var x0 = pos.x[s.start.id], x1 = s.end ? pos.x[s.end.id] : pos.width - STEP;
  var outcome = s.end ? (String(s.end.type).toUpperCase() === 'APPROVAL_TIMEOUT' ? 'timed_out' : field(s.end.payload, 'approval_status') || 'resolved') : 'pending';
  var bar = el('div', 'span ' + outcome);
  bar.style.left = x0 + 'px';
  bar.style.width = Math.max(4, x1 - x0) + 'px';
  var waited = s.end ? ' ' + span(Date.parse(s.end.createdAt) - Date.parse(s.start.createdAt)) : '';
  bar.title = 'approval ' + s.id + ': ' + outcome.replace('_', ' ') + waited + (s.warned ? ', warned' : '');
  var label = el('span', 'span-label' + (second ? ' second' : ''), (s.warned ? '⚠ ' : '') + outcome.replace('_', ' ') + waited);
  label.style.left = x0 + 'px';
  return { lane: laneOf[s.start.id], nodes: [bar, label] };
}

/** The lanes and axis of the events (ascending); only the lane named shown when given. */
function drawLanes(events, shown) {
  var lanes = lanesOf(events), pos = positions(events);
  var rows = {}, box = el('div', 'tl-scroll');
  var axisTrack = el('div', 'track');
  axisTrack.style.width = pos.width + 'px';
  var lastTick = -Infinity;
  events.forEach(function (e) {
    if (pos.x[e.id] - lastTick < 130) return;
    lastTick = pos.x[e.id];
    var tick = el('span', 'tick', clock(e.createdAt));
    tick.style.left = lastTick + 'px';
    axisTrack.appendChild(tick);
  });
  box.appendChild(add(el('div', 'axis'), el('div', 'lane-name', lanes.mode === 'stage' ? 'stage' : lanes.mode === 'agent' ? 'agent' : ''), axisTrack));
  lanes.names.forEach(function (name) {
    if (shown && name !== shown) return;
    var track = el('div', 'track');
    track.style.width = pos.width + 'px';
    rows[name] = track;
    var row = add(el('div', 'lane'), el('div', 'lane-name', name), track);
    row.dataset.lane = name;
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', (lanes.mode === 'stage' ? 'stage ' : lanes.mode === 'agent' ? 'agent ' : '') + name);
    box.appendChild(row);
  });
  var spans = {};
  approvals(events).forEach(function (s) {
    var lane = lanes.laneOf[s.start.id];
    spans[lane] = (spans[lane] || 0) + 1;
    var parts = spanParts(s, pos, lanes.laneOf, spans[lane] % 2 === 0);
    if (rows[parts.lane]) add.apply(null, [rows[parts.lane]].concat(parts.nodes));
  });
  var marks = [];
  events.forEach(function (e) {
    var track = rows[lanes.laneOf[e.id]];
    if (!track) return;
    var button = mark(e, pos.x[e.id]);
    marks.push(button);
    track.appendChild(button);
    if (isError(e)) track.appendChild(errorLabel(e, pos.x[e.id]));
  });
  return { box: box, marks: marks, lanes: lanes };
}
`;
