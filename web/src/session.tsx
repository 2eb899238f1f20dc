/**
 * What the dashboard allows the person at the page (`GET /api/session`): read-only or not and why, the
 * name a per-user token stands for, and the Temporal Web UI to link pipelines to. Read once, and again
 * whenever the token is saved.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../../src/dashboard/api-types.js';
import { getSession } from './api.js';

interface SessionState {
  session?: SessionInfo;
  reload(): void;
}

const SessionContext = createContext<SessionState>({ reload: () => undefined });

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<SessionInfo | undefined>();
  const reload = useCallback(() => {
    getSession()
      .then(setSession)
      .catch(() => setSession(undefined));
  }, []);
  useEffect(reload, [reload]);
  return (
    <SessionContext.Provider value={{ ...(session ? { session } : {}), reload }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/** Why the page's actions are off, or `undefined` when they are on. */
export function useReadOnlyReason(): string | undefined {
  const { session } = useSession();
  return session?.readOnly ? (session.readOnlyReason ?? 'this dashboard is read-only') : undefined;
}

/** The Temporal Web UI page of one run, when the server names the UI. */
export function temporalUiHref(
  session: SessionInfo | undefined,
  pipelineId: string,
  runId: string,
): string | undefined {
  const ui = session?.temporalUi;
  if (!ui) return undefined;
  return `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(pipelineId)}/${encodeURIComponent(runId)}/history`;
}

/** A link to the run's page in the Temporal Web UI (nothing when no UI is configured). */
export function TemporalLink({ pipelineId, runId }: { pipelineId: string; runId: string }) {
  const { session } = useSession();
  const href = temporalUiHref(session, pipelineId, runId);
  if (!href) return null;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" class="small" data-testid="temporal-link">
      Temporal UI ↗
    </a>
  );
}
