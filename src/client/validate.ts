/** A definition validated as the client reports it: every issue in one {@link InvalidDefinitionError}. */
import type { PipelineDefinition } from '../pipeline/definition.js';
import { DefinitionError } from '../pipeline/errors.js';
import { checkDefinitionValue } from '../pipeline/load.js';
import { validateDefinition } from '../pipeline/validate.js';
import { InvalidDefinitionError } from './errors.js';

/**
 * The parsed definition, checked against `handlers` (the activity names a worker runs) when given.
 * @throws InvalidDefinitionError listing every issue.
 */
export function validatedDefinition(definition: unknown, handlers?: Iterable<string>): PipelineDefinition {
  try {
    checkDefinitionValue(definition);
  } catch (err) {
    if (err instanceof DefinitionError) throw new InvalidDefinitionError(err.issues);
    throw err;
  }
  const result = validateDefinition(definition, handlers ? { handlers } : undefined);
  if (!result.ok) throw new InvalidDefinitionError(result.issues);
  return result.definition;
}
