/**
 * The dashboard page: a header with the access settings, and three views chosen by the URL hash —
 * `#/` the pipeline list, `#/pipelines/<id>` one pipeline live, `#/start` the start form.
 */
import type { InputHTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { storedName, storedToken, storeName, storeToken } from './api.js';
import { PipelineDetail } from './detail.js';
import { PipelineList } from './list.js';
import { SessionProvider, useSession } from './session.js';
import { StartForm } from './start.js';

type Route = { view: 'list' } | { view: 'detail'; id: string } | { view: 'start' };

function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const detail = /^\/pipelines\/(.+)$/.exec(path);
  if (detail?.[1]) {
    try {
      return { view: 'detail', id: decodeURIComponent(detail[1]) };
    } catch {
      return { view: 'list' };
    }
  }
  if (path === '/start') return { view: 'start' };
  return { view: 'list' };
}

export function pipelineHref(id: string): string {
  return `#/pipelines/${encodeURIComponent(id)}`;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = route.view === 'detail' ? `${route.id} · Stepline` : 'Stepline';
  }, [route]);

  return (
    <SessionProvider>
      <header class="topbar">
        <a class="brand" href="#/">
          Stepline
        </a>
        <nav class="nav">
          <a href="#/" class={route.view === 'list' ? 'active' : ''}>
            Pipelines
          </a>
          <a href="#/start" class={route.view === 'start' ? 'active' : ''} data-testid="nav-start">
            Start
          </a>
        </nav>
        <AccessSettings />
      </header>
      <main class="content">
        {route.view === 'list' && <PipelineList />}
        {route.view === 'detail' && <PipelineDetail key={route.id} id={route.id} />}
        {route.view === 'start' && <StartForm />}
      </main>
    </SessionProvider>
  );
}

/**
 * The API token and the name decisions are signed with; kept in sessionStorage for this tab only. A
 * per-user token names its owner: then the name is the server's, not typed.
 */
function AccessSettings() {
  const { session, reload } = useSession();
  const [token, setToken] = useState(storedToken);
  const [name, setName] = useState(storedName);
  const [saved, setSaved] = useState(storedToken() !== '');
  const signedAs = saved ? session?.user : undefined;
  return (
    <form
      class="access"
      onSubmit={(event) => {
        event.preventDefault();
        storeToken(token.trim());
        storeName(name.trim());
        setSaved(token.trim() !== '');
        reload();
      }}
    >
      {signedAs !== undefined ? (
        <span class="signed-as small" data-testid="signed-as">
          signed in as <strong>{signedAs}</strong>
        </span>
      ) : (
        <UnseenLabelInput
          label="Your name"
          type="text"
          placeholder="your name"
          value={name}
          maxLength={200}
          autoComplete="username"
          data-testid="name-input"
          onInput={(e) => setName(e.currentTarget.value)}
        />
      )}
      <UnseenLabelInput
        label="API token"
        type="password"
        placeholder="API token"
        value={token}
        autoComplete="off"
        data-testid="token-input"
        onInput={(e) => {
          setToken(e.currentTarget.value);
          setSaved(false);
        }}
      />
      <button type="submit" data-testid="token-save">
        {saved ? 'Saved' : 'Save'}
      </button>
    </form>
  );
}

/** An input whose label only screen readers read: its placeholder says the same to everyone else. */
function UnseenLabelInput({ label, ...input }: { label: string } & InputHTMLAttributes) {
  return (
    <label>
      <span class="sr-only">{label}</span>
      <input {...input} />
    </label>
  );
}
