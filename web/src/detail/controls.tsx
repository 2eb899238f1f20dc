/** Pieces the action forms share: a button that asks twice, a mutation's state, the read-only note. */
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';

/** A button that asks for a second click before doing something that cannot be undone. */
export function ConfirmButton(props: {
  label: string;
  onConfirm: () => void;
  disabled?: boolean;
  testId?: string;
  danger?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return undefined;
    const timer = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      class={props.danger ? 'danger' : ''}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={() => {
        if (armed) {
          setArmed(false);
          props.onConfirm();
        } else setArmed(true);
      }}
    >
      {armed ? `Click again: ${props.label.toLowerCase()}` : props.label}
    </button>
  );
}

/** Runs a mutation, keeping its error and a short note of what happened. */
export function useMutation() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await what());
    } catch (err) {
      setError(err instanceof ApiFailure ? err : String(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, notice, run, setError };
}

/** Says why actions are off on a read-only dashboard. */
export function ReadOnlyNote({ reason }: { reason: string | undefined }) {
  if (!reason) return null;
  return (
    <p class="read-only-note small" data-testid="read-only-reason">
      Actions are disabled: {reason}.
    </p>
  );
}
