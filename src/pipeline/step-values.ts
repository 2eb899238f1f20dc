/**
 * Step input/output previews for progress: redacted ({@link redactValue}), capped at
 * `LIMITS.maxValuePreviewBytes` each and `LIMITS.maxProgressPreviewBytes` for a whole progress answer.
 * Pure: the workflow computes them when progress is queried, caching each by the value's identity, so
 * the run keeps no copies and no history event is involved.
 */
import { JsonValueError, jsonSize, LIMITS } from './limits.js';
import type { StepValuePreview } from './progress.js';
import { redactValue, SecretNames } from './redact.js';

/** Which value of a step: the rendered input or the output. */
export const STEP_VALUE_KINDS = ['input', 'output'] as const;
export type StepValueKind = (typeof STEP_VALUE_KINDS)[number];

/** A preview with its size, before the progress-wide budget is applied. */
export interface SizedPreview {
  preview: StepValuePreview;
  /** JSON bytes of `preview.value` (0 when truncated). */
  bytes: number;
}

/** JSON size of a value that came out of JSON (any depth); not JSON counts as infinitely large. */
export function valueBytes(value: unknown): number {
  try {
    return jsonSize(value, { maxDepth: 100_000 });
  } catch (err) {
    if (err instanceof JsonValueError) return Number.POSITIVE_INFINITY;
    throw err;
  }
}

/**
 * The preview of one value: its redacted copy when that fits `maxBytes` as JSON, else only
 * `truncated: { bytes }` (the value's JSON size). The raw size is checked first, so a big value is never
 * copied.
 */
export function previewValue(
  value: unknown,
  names: SecretNames,
  maxBytes: number = LIMITS.maxValuePreviewBytes,
): SizedPreview {
  const raw = valueBytes(value);
  if (raw > maxBytes) return truncated(raw);
  const redacted = redactValue(value, names);
  const bytes = redacted === value ? raw : valueBytes(redacted);
  if (bytes > maxBytes) return truncated(bytes);
  return { preview: { value: redacted }, bytes };
}

function truncated(bytes: number): SizedPreview {
  return { preview: { truncated: { bytes: Number.isFinite(bytes) ? bytes : -1 } }, bytes: 0 };
}

/** Spends a progress-wide preview budget: a preview that no longer fits shows as truncated. */
export class PreviewBudget {
  constructor(private left: number = LIMITS.maxProgressPreviewBytes) {}

  take(sized: SizedPreview): StepValuePreview {
    if (!('value' in sized.preview)) return sized.preview;
    if (sized.bytes > this.left) return { truncated: { bytes: sized.bytes } };
    this.left -= sized.bytes;
    return sized.preview;
  }
}

/** Caches previews by step, kind and value identity: a query recomputes only what changed. */
export class PreviewCache {
  private readonly entries = new Map<string, { source: unknown; sized: SizedPreview }>();

  constructor(private readonly names: SecretNames) {}

  get(stepId: string, kind: StepValueKind, value: unknown): SizedPreview {
    const key = `${kind}\u0000${stepId}`;
    const hit = this.entries.get(key);
    if (hit && hit.source === value) return hit.sized;
    const sized = previewValue(value, this.names);
    this.entries.set(key, { source: value, sized });
    return sized;
  }
}

export { SecretNames };
