import { z } from 'zod';
import { defineStep } from '../define-step.js';

/** `echo`: returns its input unchanged (any JSON value). */
export const echo = defineStep({
  name: 'echo',
  description: 'Returns its input unchanged.',
  input: z.unknown(),
  run: (input) => input,
});
