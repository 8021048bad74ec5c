/**
 * The session view's filters. Type, errors only and the time range go to the list route (they
 * narrow the whole history, not only what is loaded); the lane filter hides the other lanes.
 * @internal
 */
export const FILTERS_JS = `
function labelled(text, control, className) {
  var label = el('label', className || null);
  if (className === 'check') return add(label, control, text);
  return add(label, text, control);
}

function fillSelect(select, first, values, current) {
  var options = [el('option', null, first)];
  options[0].value = '';
  values.forEach(function (value) {
    var option = el('option', null, value);
    option.value = value;
    options.push(option);
  });
  select.replaceChildren.apply(select, options);
  select.value = values.indexOf(current) >= 0 ? current : '';
}

function filtersForm(onQuery, onLane) {
  var form = el('form', 'panel filters');
  form.setAttribute('aria-label', 'Filters');
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  var type = el('select'), lane = el('select'), errors = el('input'), from = el('input'), to = el('input');
  type.id = 'f-type'; lane.id = 'f-lane'; errors.id = 'f-errors'; from.id = 'f-from'; to.id = 'f-to';
  errors.type = 'checkbox';
  from.type = to.type = 'datetime-local';
  from.step = to.step = '1';
  var reset = el('button', null, 'Reset');
  reset.type = 'button';
  var laneLabel = labelled('Lane', lane);
  function query() {
    onQuery({ type: type.value, errorsOnly: errors.checked, from: from.value, to: to.value });
  }
  [type, errors, from, to].forEach(function (control) { control.addEventListener('change', query); });
  lane.addEventListener('change', function () { onLane(lane.value); });
  reset.addEventListener('click', function () {
    type.value = ''; lane.value = ''; errors.checked = false; from.value = ''; to.value = '';
    onLane('');
    query();
  });
  add(form, labelled('Type', type), laneLabel, labelled('Errors only', errors, 'check'),
    labelled('From', from), labelled('To', to), reset);
  return {
    form: form,
    update: function (types, lanes, mode, currentType, currentLane) {
      fillSelect(type, 'All types', types, currentType);
      fillSelect(lane, mode === 'stage' ? 'All stages' : mode === 'agent' ? 'All agents' : 'All lanes', lanes, currentLane);
      laneLabel.firstChild.textContent = mode === 'stage' ? 'Stage' : mode === 'agent' ? 'Agent' : 'Lane';
    },
  };
}

/** A datetime-local value (local time) as ISO 8601 in UTC, for the list route. */
function isoOf(local) {
  return local ? new Date(local).toISOString() : '';
}
`;
