/** The selected event: its fields and its payload as formatted JSON, all as text. @internal */
export const DETAILS_JS = `
function details(event) {
  var box = el('section', 'panel details');
  box.id = 'details';
  box.setAttribute('aria-label', 'Event details');
  if (!event) {
    add(box, el('h2', null, 'Event details'), el('p', 'muted', 'Select an event (click, or Enter on a focused mark; arrow keys move between marks).'));
    return box;
  }
  var list = el('dl');
  [['Time', when(event.createdAt) + ' (' + clock(event.createdAt) + ')'], ['Agent', event.agentId],
    ['Session', event.sessionId], ['Object', event.aggregateType ? event.aggregateType + ' ' + event.aggregateId : null],
    ['Workflow', event.workflowId], ['Tool', event.toolName], ['Error code', event.errorCode],
    ['Approval', event.approvalStatus], ['Source', event.source], ['Id', event.id]].forEach(function (row) {
    if (row[1] === null || row[1] === undefined || row[1] === '') return;
    add(list, el('dt', null, row[0]), el('dd', null, row[1]));
  });
  var json = el('pre', 'json', JSON.stringify(event.payload, null, 2));
  json.id = 'payload';
  json.tabIndex = 0;
  json.setAttribute('aria-label', 'Payload');
  add(box, el('h2', null, event.type), list, el('h2', null, 'Payload'), json);
  return box;
}
`;
