/** The sections of docs/definition.md: which JSON Schema node each documents, where it appears, its example. */
import { pipelineJsonSchema } from '../../src/pipeline/json-schema.js';
import { EXAMPLES } from './examples.js';

/** A JSON Schema node, as much of it as the reference reads. */
export interface Node {
  $ref?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Node[];
  oneOf?: Node[];
  items?: Node;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  required?: string[];
  description?: string;
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  $comment?: string;
  $defs?: Record<string, Node>;
}

/** One section of the reference: an object schema, how to reach it, and an example. */
export interface Section {
  title: string;
  /** Where it appears in a definition. */
  path: string;
  node: Node;
  example: string;
}

/** The JSON Schema and the sections of the reference, in order. */
export function referenceSections(): { schema: Node; sections: Section[] } {
  const schema = pipelineJsonSchema() as Node;
  const defs = schema.$defs ?? {};
  const def = (name: string): Node => {
    const node = defs[name];
    if (!node) throw new Error(`write-reference: no $defs.${name} in the JSON Schema`);
    return node;
  };
  const prop = (node: Node, name: string): Node => {
    const found = node.properties?.[name];
    if (!found) throw new Error(`write-reference: no property ${name}`);
    return found;
  };
  const recovery = def('RecoveryRule');
  const classify = def('ClassifyRule');
  const approval = def('ApprovalStep');
  const param = prop(schema, 'params').additionalProperties;
  if (typeof param !== 'object') throw new Error('write-reference: params has no additionalProperties');
  const notify = def('NotifyRule');
  const sections: Section[] = [
    { title: 'Pipeline', path: '(the document)', node: schema, example: EXAMPLES.pipeline },
    { title: 'Param', path: '`params.<name>`', node: param, example: EXAMPLES.param },
    {
      title: 'Param items',
      path: '`params.<name>.items` (`type: array`)',
      node: prop(param, 'items'),
      example: EXAMPLES.paramItems,
    },
    { title: 'defaults', path: '`defaults`', node: prop(schema, 'defaults'), example: EXAMPLES.defaults },
    {
      title: 'Task step',
      path: '`steps[]` (`type: task`, the default)',
      node: def('TaskStep'),
      example: EXAMPLES.taskStep,
    },
    {
      title: 'Approval step',
      path: '`steps[]` with `type: approval`',
      node: approval,
      example: EXAMPLES.approvalStep,
    },
    {
      title: 'escalate',
      path: '`steps[].escalate` (approval steps)',
      node: prop(approval, 'escalate'),
      example: EXAMPLES.escalation,
    },
    {
      title: 'Recovery rule',
      path: '`recovery[]`, `steps[].recovery[]`',
      node: recovery,
      example: EXAMPLES.recoveryRule,
    },
    {
      title: 'Recovery match',
      path: '`recovery[].match`',
      node: prop(recovery, 'match'),
      example: EXAMPLES.recoveryMatch,
    },
    { title: 'Classify rule', path: '`classify[]`', node: classify, example: EXAMPLES.classifyRule },
    {
      title: 'Classify match',
      path: '`classify[].match`',
      node: prop(classify, 'match'),
      example: EXAMPLES.classifyMatch,
    },
    {
      title: 'Compensation',
      path: '`steps[].compensate`',
      node: def('Compensation'),
      example: EXAMPLES.compensation,
    },
    {
      title: 'Alternative step',
      path: '`steps[].alternative[]`',
      node: def('AlternativeStep'),
      example: EXAMPLES.alternative,
    },
    {
      title: 'Timeouts',
      path: '`defaults.timeouts`, `steps[].timeouts`, `compensate.timeouts`, `alternative[].timeouts`',
      node: def('TimeoutSettings'),
      example: EXAMPLES.timeouts,
    },
    {
      title: 'Retry',
      path: '`defaults.retry`, `steps[].retry`, `recovery[].retry`, `compensate.retry`, `alternative[].retry`',
      node: def('RetrySettings'),
      example: EXAMPLES.retry,
    },
    { title: 'Notify rule', path: '`notify[]`', node: notify, example: EXAMPLES.notifyRule },
    {
      title: 'Notify webhook',
      path: '`notify[].webhook`',
      node: prop(notify, 'webhook'),
      example: EXAMPLES.notifyWebhook,
    },
    {
      title: 'Notify step',
      path: '`notify[].step`',
      node: prop(notify, 'step'),
      example: EXAMPLES.notifyStep,
    },
    {
      title: 'Notify batch',
      path: '`notify[].batch`',
      node: prop(notify, 'batch'),
      example: EXAMPLES.notifyBatch,
    },
    {
      title: 'Notify retry',
      path: '`notify[].retry`',
      node: prop(notify, 'retry'),
      example: EXAMPLES.notifyRetry,
    },
  ];
  return { schema, sections };
}
