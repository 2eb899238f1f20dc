/** The event log and the audit trail of decisions. */
import type { PipelineProgress } from '../../../src/dashboard/api-types.js';
import { formatTime } from '../format.js';
import { Table } from '../widgets.js';

export function EventLog({ progress }: { progress: PipelineProgress }) {
  const events = [...progress.events].reverse();
  return (
    <section class="panel">
      <h2>Event log</h2>
      {events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ol class="events" data-testid="event-log">
          {events.map((event) => (
            <li key={event.seq}>
              <span class="small muted">{formatTime(event.at)}</span> <span class="tag">{event.type}</span>{' '}
              {event.stepId && <span class="mono small">{event.stepId}</span>} <span>{event.message}</span>
              {event.by && <span class="small muted"> · by {event.by}</span>}
              {event.comment && <span class="small muted"> · “{event.comment}”</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function AuditTrail({ progress }: { progress: PipelineProgress }) {
  return (
    <section class="panel">
      <h2>Audit trail</h2>
      {progress.decisions.length === 0 ? (
        <p class="muted">No decisions yet.</p>
      ) : (
        <div class="table-scroll">
          <Table class="audit" testId="audit-trail" columns={['When', 'Step', 'Decision', 'By', 'Comment']}>
            {progress.decisions.map((d, i) => (
              <tr key={i}>
                <td data-label="When">{formatTime(d.at)}</td>
                <td data-label="Step" class="mono">
                  {d.stepId}
                </td>
                <td data-label="Decision">
                  {d.kind}: {d.action}
                </td>
                <td data-label="By">{d.by ?? '–'}</td>
                <td data-label="Comment" class="wrap">
                  {d.comment ?? ''}
                </td>
              </tr>
            ))}
          </Table>
        </div>
      )}
    </section>
  );
}
