import { ApiError, CONFIG } from './api.js';
import { add, el } from './dom.js';

/** The page's whole state when a view cannot be shown: not found, signed out, or an error. */
export function showState(error: unknown): void {
  const main = document.getElementById('main');
  if (!main) return;
  const known = error instanceof ApiError;
  const kind = !known
    ? 'error'
    : error.status === 404
      ? 'not-found'
      : error.status === 401
        ? 'signed-out'
        : 'error';
  const state = el('section', 'state');
  state.dataset.state = kind;
  const title =
    kind === 'not-found'
      ? 'Not found'
      : kind === 'signed-out'
        ? 'Sign in to see this timeline'
        : 'The timeline could not be loaded';
  const text =
    kind === 'not-found'
      ? `There is no project "${CONFIG.projectId}" that you may read, or no such page.`
      : known
        ? `${error.message} (${error.status})`
        : String((error as Error | null)?.message ?? error);
  add(state, el('h1', null, title), el('p', null, text));
  main.replaceChildren(state);
}
