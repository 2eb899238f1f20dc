/**
 * Templates in step input, approval prompts, `forEach` and `when`: `{{ params.x }}`,
 * `{{ steps.<id>.output.<path> }}`, `{{ item }}`, `{{ item.a.b }}`, `{{ index }}`, with array indices
 * as `items[0]` or `items.0`. A template is a path lookup and nothing more: no expressions, no `eval`,
 * own properties only.
 *
 * Walking a value never recurses past {@link LIMITS.maxNestingDepth} levels, and rendering can be held to a
 * byte budget (`maxBytes`), so no input can overflow the stack or build an oversized activity input.
 */

export {
  TEMPLATE_ROOTS,
  formatTemplatePath,
  hasTemplate,
  isSingleTemplate,
  parseTemplateExpression,
  type TemplatePath,
  type TemplateRoot,
} from './templates/syntax.js';
export {
  findTemplates,
  scanTemplates,
  templateRoots,
  type ScannedTemplate,
  type TemplateReference,
} from './templates/scan.js';
export type { TemplateScope } from './templates/lookup.js';
export { evaluateCondition, isTruthy, renderTemplates, type RenderOptions } from './templates/render.js';
