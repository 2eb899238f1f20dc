/** What a failed `http.request` throws: cancellation as is, a timeout, or a network failure with Node's code. */
import type { StepContext } from '../../define-step.js';
import { HttpRequestError, HttpStatusError, StepError } from '../../errors.js';

export interface FailureContext {
  method: string;
  target: string;
  ctx: StepContext;
  timeout: AbortSignal | undefined;
  timeoutMs: number | undefined;
  redact: (text: string) => string;
}

/** What a failed request throws: cancellation as is, a timeout, a network failure with Node's code. */
export function requestFailure(
  err: unknown,
  { method, target, ctx, timeout, timeoutMs, redact }: FailureContext,
): unknown {
  if (err instanceof HttpStatusError || err instanceof StepError) return err;
  if (ctx.signal.aborted) return ctx.signal.reason ?? err;
  if (timeout?.aborted) {
    return new HttpRequestError(`${method} ${target} timed out after ${timeoutMs} ms`, {
      cause: timeout.reason,
    });
  }
  const inner = err instanceof TypeError && err.cause instanceof Error ? err.cause : err;
  if (isConnectionError(inner)) {
    const code = errorCode(inner);
    const reason = redact(inner.message || code || inner.name);
    // No cause: the failure carries the code and the redacted message, nothing unredacted.
    return new HttpRequestError(`${method} ${target} failed: ${reason}`, {
      ...(code === undefined ? {} : { code }),
    });
  }
  const code = errorCode(err);
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new HttpRequestError(`${method} ${target} could not be sent: ${redact(reason)}`, {
    ...(code === undefined ? {} : { code }),
  });
}

/** A socket-level failure (Node sets `syscall`; several addresses tried give an AggregateError). */
function isConnectionError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if (err instanceof AggregateError) return true;
  const { syscall, code } = err as { syscall?: unknown; code?: unknown };
  return (
    typeof syscall === 'string' ||
    (typeof code === 'string' &&
      /^(E[A-Z]|UND_ERR|ERR_TLS|ERR_SSL|CERT_|DEPTH_|UNABLE_|SELF_SIGNED)/.test(code) &&
      !code.startsWith('ERR_INVALID'))
  );
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const first = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(first) ? errorCode(first[0]) : undefined;
}
