/**
 * The page's helpers: its configuration, DOM building (text only: every value from an event is
 * set with textContent or as an attribute value, never parsed as HTML), and the JSON routes.
 * @internal
 */
export const CORE_JS = `
var CONFIG = JSON.parse(document.getElementById('timeline-config').textContent);
var ROOT = new URL(CONFIG.root, location.href);
var main = document.getElementById('main');

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function add(parent) {
  for (var i = 1; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function ApiError(status, code, message) {
  this.status = status;
  this.code = code;
  this.message = message;
}

function apiUrl(path, params) {
  var url = new URL(path, ROOT);
  Object.keys(params || {}).forEach(function (name) {
    var value = params[name];
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  });
  return url;
}

async function api(path, params) {
  var response = await fetch(apiUrl(path, params), {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  var body = null;
  try { body = await response.json(); } catch (ignored) { body = null; }
  if (!response.ok) {
    var error = (body && body.error) || {};
    throw new ApiError(response.status, error.code || 'HTTP_' + response.status, error.message || response.statusText);
  }
  return body;
}

function pageUrl(sessionId, search) {
  var url = new URL(CONFIG.segment + (sessionId ? '/' + encodeURIComponent(sessionId) : ''), ROOT);
  if (search) url.search = new URLSearchParams(search).toString();
  return url.href;
}

function showState(error) {
  var known = error instanceof ApiError;
  var state = el('section', 'state');
  var kind = !known ? 'error' : error.status === 404 ? 'not-found' : error.status === 401 ? 'signed-out' : 'error';
  state.dataset.state = kind;
  var title = kind === 'not-found' ? 'Not found' : kind === 'signed-out' ? 'Sign in to see this timeline' : 'The timeline could not be loaded';
  var text = kind === 'not-found'
    ? 'There is no project "' + CONFIG.projectId + '" that you may read, or no such page.'
    : known ? error.message + ' (' + error.status + ')' : String(error && error.message || error);
  add(state, el('h1', null, title), el('p', null, text));
  main.replaceChildren(state);
}

function pad(n, width) { return String(n).padStart(width || 2, '0'); }

function clock(time) {
  var d = new Date(time);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

function when(time) { return new Date(time).toLocaleString(); }

function span(ms) {
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 3600000) return (ms / 60000).toFixed(1) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}

function isError(event) {
  return (event.errorCode !== null && event.errorCode !== undefined) || String(event.type).toUpperCase() === 'ERROR';
}

function field(object, name) {
  var value = object && typeof object === 'object' ? object[name] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
`;
