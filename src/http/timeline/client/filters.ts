import { add, el } from './dom.js';
import type { LaneMode } from './model/lanes.js';

/**
 * The session view's filters. Type, errors only and the time range go to the list route (they
 * narrow the whole history, not only what is loaded); the lane filter hides the other lanes.
 * @internal
 */
export interface Filter {
  readonly type: string;
  readonly errorsOnly: boolean;
  /** datetime-local values (local time), '' when not set. */
  readonly from: string;
  readonly to: string;
}

export const NO_FILTER: Filter = { type: '', errorsOnly: false, from: '', to: '' };

function labelled(text: string, control: HTMLElement, className?: string): HTMLLabelElement {
  const label = el('label', className ?? null);
  return className === 'check' ? add(label, control, text) : add(label, text, control);
}

function fillSelect(
  select: HTMLSelectElement,
  first: string,
  values: readonly string[],
  current: string,
): void {
  const none = el('option', null, first);
  none.value = '';
  const options = values.map((value) => {
    const option = el('option', null, value);
    option.value = value;
    return option;
  });
  select.replaceChildren(none, ...options);
  select.value = values.includes(current) ? current : '';
}

export interface FiltersForm {
  readonly form: HTMLFormElement;
  update(
    types: readonly string[],
    lanes: readonly string[],
    mode: LaneMode,
    type: string,
    lane: string,
  ): void;
}

export function filtersForm(
  onQuery: (filter: Filter) => void,
  onLane: (lane: string) => void,
): FiltersForm {
  const form = el('form', 'panel filters');
  form.setAttribute('aria-label', 'Filters');
  form.addEventListener('submit', (event) => event.preventDefault());
  const type = el('select');
  const lane = el('select');
  const errors = el('input');
  const from = el('input');
  const to = el('input');
  type.id = 'f-type';
  lane.id = 'f-lane';
  errors.id = 'f-errors';
  from.id = 'f-from';
  to.id = 'f-to';
  errors.type = 'checkbox';
  for (const input of [from, to]) {
    input.type = 'datetime-local';
    input.step = '1';
  }
  const reset = el('button', null, 'Reset');
  reset.type = 'button';
  const laneLabel = labelled('Lane', lane);
  const query = () =>
    onQuery({ type: type.value, errorsOnly: errors.checked, from: from.value, to: to.value });
  for (const control of [type, errors, from, to]) control.addEventListener('change', query);
  lane.addEventListener('change', () => onLane(lane.value));
  reset.addEventListener('click', () => {
    type.value = '';
    lane.value = '';
    errors.checked = false;
    from.value = '';
    to.value = '';
    onLane('');
    query();
  });
  add(
    form,
    labelled('Type', type),
    laneLabel,
    labelled('Errors only', errors, 'check'),
    labelled('From', from),
    labelled('To', to),
    reset,
  );
  const word = (mode: LaneMode) => (mode === 'stage' ? 'stage' : mode === 'agent' ? 'agent' : '');
  return {
    form,
    update(types, lanes, mode, currentType, currentLane) {
      fillSelect(type, 'All types', types, currentType);
      fillSelect(lane, mode === 'none' ? 'All lanes' : `All ${word(mode)}s`, lanes, currentLane);
      if (laneLabel.firstChild)
        laneLabel.firstChild.textContent =
          mode === 'stage' ? 'Stage' : mode === 'agent' ? 'Agent' : 'Lane';
    },
  };
}

/** A datetime-local value (local time) as ISO 8601 in UTC, for the list route. */
export function isoOf(local: string): string {
  return local ? new Date(local).toISOString() : '';
}
