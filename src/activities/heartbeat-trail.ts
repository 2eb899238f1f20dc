/**
 * Reading the attempt history a step activity's heartbeat details carry (`{ attempts, attemptsOmitted }`,
 * written by `attempt-trail.ts`): by the next attempt on the worker, and by the client for a running step.
 * Imports nothing from Node or the SDK, so the client can use it.
 */
import { readTrail, type AttemptTrail } from '../pipeline/attempts.js';

/**
 * The attempts before `attempt` that heartbeat `details` list, and how many they left out; empty when the
 * details carry no readable history. Never throws on malformed details.
 */
export function heartbeatTrail(details: unknown, attempt: number): AttemptTrail {
  const fields = details as { attempts?: unknown; attemptsOmitted?: unknown } | null | undefined;
  const read =
    typeof fields === 'object' && fields !== null
      ? readTrail(fields.attempts, fields.attemptsOmitted)
      : undefined;
  return { attempts: (read?.attempts ?? []).filter((a) => a.attempt < attempt), omitted: read?.omitted ?? 0 };
}
