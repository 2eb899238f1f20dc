/**
 * How the CLI shows a pipeline: the `status` table, the plain lines `watch` prints when stdout is not a
 * terminal, and the live frame it redraws when it is. Pure functions of a {@link PipelineProgress}:
 * callers pass the clock, the width and whether to colour. Each view is a module under src/cli/render/.
 */
export { attemptNote, stepNote, stepPercent, type RenderOptions } from './render/parts.js';
export { answerCommands, waitingLine, waitingSteps } from './render/waiting.js';
export { listLines, statusLines } from './render/status.js';
export { eventText, plainLines, summaryLine } from './render/events.js';
export { frameLines, type FrameOptions } from './render/frame.js';
