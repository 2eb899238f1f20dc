/**
 * `stepline status --outputs`: each step's rendered input and output as progress previews them
 * (redacted, capped); a value too big for progress names the command that prints it whole.
 */
import { formatBytes } from '../pipeline/limits.js';
import type { PipelineProgress, StepValuePreview } from '../pipeline/progress.js';
import type { StepValueKind } from '../pipeline/step-values.js';

/** Lines for every step that has an input or an output: `step`, then `  input: …` and `  output: …`. */
export function valueLines(p: PipelineProgress, command = 'stepline'): string[] {
  const lines: string[] = [];
  for (const step of p.steps) {
    if (!step.input && !step.output) continue;
    lines.push(step.id);
    for (const kind of ['input', 'output'] as const) {
      const preview = step[kind];
      if (preview)
        lines.push(
          `  ${kind}: ${previewText(preview, `${command} result ${p.pipelineId} --step ${step.id} --${kind}`)}`,
        );
    }
  }
  return lines.length ? lines : ['(no step has an input or output yet)'];
}

/** A preview as one line: its JSON, or what it would take to read a truncated one. */
export function previewText(preview: StepValuePreview, readCommand: string): string {
  if (preview.truncated)
    return `(${formatBytes(preview.truncated.bytes)}, too big to show here; print it with: ${readCommand})`;
  return JSON.stringify(preview.value ?? null);
}

export type { StepValueKind };
