/**
 * Regenerates docs/definition.md, the PipelineDefinition reference, from the zod schemas (through their
 * JSON Schema: the field descriptions are the `.describe()` texts in src/pipeline/definition.ts):
 * `npx tsx scripts/write-reference.ts`. tests/unit/definition-reference.test.ts checks it is up to date.
 *
 * It also rewrites the environment table of docs/operations.md (between its `env-table` markers) from
 * `ENVIRONMENT` in src/config.ts; tests/unit/docs-operations.test.ts checks that one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { ENVIRONMENT } from '../src/config.js';
import { pipelineJsonSchema } from '../src/pipeline/json-schema.js';

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

const EXAMPLES = {
  pipeline: `
$schema: ../schema/pipeline.schema.json
name: release
version: 2
description: Build, approve and deploy a release.
defaults:
  retry: { maxAttempts: 5, initialInterval: 2s }
  timeouts: { startToClose: 5m }
recovery:
  - match: { category: dependency }
    strategy: manual_intervention
    timeout: 4h
classify:
  - match: { code: E_QUOTA }
    category: rate_limit
params:
  version: { type: string, description: 'the version to deploy', pattern: '^\\d+\\.\\d+\\.\\d+$' }
redact: [ssn, customerEmail]
onFailure: rollback
onCancel: stop
timeout: 2h
steps:
  - id: build
    activity: echo
    input: { version: '{{ params.version }}' }
  - id: go-live
    type: approval
    prompt: 'Deploy {{ params.version }}?'
    timeout: 1d
notify:
  - on: [approval_requested, failed]
    webhook: { url: https://hooks.example.com/stepline }
`,
  param: `
params:
  version:
    type: string
    description: the version to release, like 1.2.3
    pattern: '^v?\\d+\\.\\d+\\.\\d+$'
    minLength: 5
    maxLength: 40
  environment: { type: string, enum: [staging, production], default: staging }
  batchSize: { type: integer, minimum: 1, maximum: 1000, default: 100 }
  dryRun: { type: boolean, required: false }
  regions:
    type: array
    minItems: 1
    maxItems: 10
    items: { type: string, enum: [eu, us, ap] }
`,
  paramItems: `
params:
  ports:
    type: array
    items: { type: integer, minimum: 1, maximum: 65535 }
  tags:
    type: array
    items: { type: string, pattern: '^[a-z]+$', minLength: 2, maxLength: 20 }
  sizes:
    type: array
    items: { type: number, enum: [0.5, 1, 2] }
`,
  defaults: `
defaults:
  timeouts: { startToClose: 2m, heartbeat: 30s }
  retry: { maxAttempts: 5, initialInterval: 500ms, backoffCoefficient: 2, maxInterval: 30s }
`,
  taskStep: `
steps:
  - id: order
    type: task
    name: Place the order
    activity: http.request
    input: { url: 'https://api.example.com/orders', method: POST, body: '{{ params.order }}' }
    assign: { orderId: '{{ output.body.id }}' }
    weight: 3
    timeouts: { startToClose: 30s }
    retry: { maxAttempts: 3 }
    recovery:
      - match: { category: dependency }
        strategy: alternative_path
    alternative:
      - id: order-by-queue
        activity: echo
        input: { queued: true }
    compensate:
      activity: http.request
      input: { url: 'https://api.example.com/orders/{{ steps.order.output.body.id }}', method: DELETE }
  - id: notify
    activity: http.request
    dependsOn: [order]
    when: '{{ params.notify }}'
    forEach: '{{ params.subscribers }}'
    maxConcurrency: 10
    toleratedFailures: 5%
    input: { url: '{{ item.url }}', method: POST, body: { order: '{{ vars.orderId }}', index: '{{ index }}' } }
`,
  approvalStep: `
steps:
  - id: go-live
    type: approval
    name: Go live
    dependsOn: [build]
    when: '{{ params.production }}'
    weight: 0.5
    prompt: 'Deploy {{ steps.build.output.version }} to production?'
    approvers: [alice, bob]
    escalate: { after: 4h, to: [oncall] }
    timeout: 1d
    onTimeout: reject
    assign: { approvedBy: '{{ output.by }}' }
`,
  escalation: `
escalate:
  after: 4h
  to: [oncall, release-managers]
`,
  recoveryRule: `
recovery:
  - match: { category: [network, timeout] }
    strategy: retry_with_backoff
    retry: { maxAttempts: 6, initialInterval: 1s, backoffCoefficient: 2, maxInterval: 30s }
    then: manual_intervention
    timeout: 1h
    onTimeout: rollback
  - match: { category: not_found, severity: low }
    strategy: skip
    output: { found: false }
`,
  recoveryMatch: `
match:
  category: [network, rate_limit]
  severity: [low, medium]
`,
  classifyRule: `
classify:
  - match: { code: E_QUOTA }
    category: rate_limit
  - match: { name: ApiError, message: 'account locked' }
    category: auth
    severity: critical
`,
  classifyMatch: `
match:
  message: 'quota exceeded'
  name: ApiError
  code: E_QUOTA
`,
  compensation: `
compensate:
  activity: http.request
  input: { url: 'https://api.example.com/orders/{{ steps.order.output.body.id }}', method: DELETE }
  timeouts: { startToClose: 30s }
  retry: { maxAttempts: 10 }
`,
  alternative: `
alternative:
  - id: fetch-from-mirror
    name: Fetch from the mirror
    activity: http.request
    input: { url: 'https://mirror.example.com/data.json' }
    timeouts: { startToClose: 10s }
    retry: { maxAttempts: 2 }
`,
  timeouts: `
timeouts:
  startToClose: 5m
  heartbeat: 30s
  scheduleToClose: 30m
`,
  notifyRule: `
notify:
  - on: [approval_requested, intervention_requested, failed]
    webhook:
      url: https://hooks.example.com/stepline
      headers: { authorization: 'Bearer xyz' }
  - on: [intervention_requested]
    webhook: { url: https://hooks.example.com/noisy }
    batch: { window: 30s, max: 20 }
    retry: { maxAttempts: 3, initialInterval: 2s }
  - on: [completed]
    step: { activity: slack.post, input: { text: '{{ event.name }}: {{ event.message }}' } }
`,
  notifyWebhook: `
webhook:
  url: https://hooks.example.com/stepline
  headers: { authorization: 'Bearer xyz', x-team: data }
`,
  notifyStep: `
step:
  activity: slack.post
  input: { channel: '#data', text: '{{ event.message }} ({{ params.env }})' }
`,
  notifyBatch: `
batch: { window: 1m, max: 50 }
`,
  notifyRetry: `
retry: { maxAttempts: 3, initialInterval: 2s }
`,
  retry: `
retry:
  maxAttempts: 5
  initialInterval: 1s
  backoffCoefficient: 2
  maxInterval: 1m
`,
};

/** The reference document, as Markdown (before prettier). */
export function definitionReference(): string {
  return render(referenceSections());
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

function render({ schema, sections }: { schema: Node; sections: Section[] }): string {
  const duration = schema.$defs?.Duration ?? {};
  const anchors = new Map<string, string>([
    ['#/$defs/Duration', '[duration](#duration)'],
    ['#/$defs/RetrySettings', '[retry settings](#retry)'],
    ['#/$defs/TimeoutSettings', '[timeouts](#timeouts)'],
    ['#/$defs/RecoveryRule', '[recovery rule](#recovery-rule)'],
    ['#/$defs/ClassifyRule', '[classify rule](#classify-rule)'],
    ['#/$defs/Compensation', '[compensation](#compensation)'],
    ['#/$defs/AlternativeStep', '[alternative step](#alternative-step)'],
    ['#/$defs/TaskStep', '[task step](#task-step)'],
    ['#/$defs/ApprovalStep', '[approval step](#approval-step)'],
    ['#/$defs/NotifyRule', '[notify rule](#notify-rule)'],
  ]);
  const objectLinks = new Map<Node, string>(
    sections.map((s) => [s.node, `[${s.title.toLowerCase()}](#${anchor(s.title)})`]),
  );

  const typeOf = (node: Node): string => {
    if (node.$ref) return anchors.get(node.$ref) ?? node.$ref;
    const link = objectLinks.get(node);
    if (link) return link;
    if (node.const !== undefined) return code(JSON.stringify(node.const));
    if (node.enum) return 'one of ' + node.enum.map((v) => code(String(v))).join(', ');
    const variants = node.anyOf ?? node.oneOf;
    if (variants) return variants.map(typeOf).join(', or ');
    switch (node.type) {
      case 'array':
        return `list of ${node.items ? typeOf(node.items) : 'values'}`;
      case 'integer':
        return 'whole number';
      case 'object':
        return node.properties
          ? `{ ${Object.keys(node.properties)
              .map((k) => `${k}: ${typeOf(node.properties![k]!)}`)
              .join('; ')} }`
          : 'object';
      case undefined:
        return 'any JSON value';
      default:
        return node.type;
    }
  };

  const limitsOf = (node: Node): string[] => {
    const out: string[] = [];
    if (node.pattern !== undefined) out.push(`pattern ${code(node.pattern)}`);
    if (node.minLength === 1) out.push('not empty');
    else if (node.minLength !== undefined && node.minLength > 1) out.push(`≥ ${node.minLength} characters`);
    if (node.maxLength !== undefined) out.push(`≤ ${fmt(node.maxLength)} characters`);
    if (node.minItems === 1) out.push('at least 1 item');
    else if (node.minItems !== undefined && node.minItems > 1) out.push(`≥ ${node.minItems} items`);
    if (node.maxItems !== undefined) out.push(`≤ ${fmt(node.maxItems)} items`);
    if (node.exclusiveMinimum !== undefined) out.push(`> ${fmt(node.exclusiveMinimum)}`);
    if (node.minimum !== undefined) out.push(`≥ ${fmt(node.minimum)}`);
    if (node.maximum !== undefined) out.push(`≤ ${fmt(node.maximum)}`);
    if (node.items && !node.items.$ref) out.push(...limitsOf(node.items).map((l) => `each ${l}`));
    for (const variant of node.anyOf ?? []) if (!variant.$ref) out.push(...limitsOf(variant));
    return [...new Set(out)];
  };

  const lines: string[] = [
    '<!-- Generated by `npx tsx scripts/write-reference.ts` from src/pipeline/definition.ts: do not edit by hand. -->',
    '',
    '# Pipeline definition reference',
    '',
    'Every field of PipelineDefinition v1, generated from the zod schemas that validate it (the same',
    'descriptions are in the JSON Schema, `stepline schema` and `schema/pipeline.schema.json`, so editors',
    'show them). Every object is strict: an unknown field is an error. Definitions are YAML or JSON;',
    'durations are text like `30s` or milliseconds. `stepline validate <file>` checks a definition.',
    '',
    `See also [recovery.md](recovery.md) (one recipe per recovery strategy), [operations.md](operations.md)`,
    'and [limits.md](limits.md) (every limit and why).',
    '',
    '## Contents',
    '',
    ...sections.map((s) => `- [${s.title}](#${anchor(s.title)})`),
    '- [Duration](#duration)',
    '',
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', `Where: ${section.path}.`, '');
    if (section.node.description && section.node !== schema) lines.push(section.node.description, '');
    if (section.node === schema && schema.description) lines.push(schema.description, '');
    lines.push(
      '| Field | Type | Required | Default | Allowed values and limits | Description |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    const required = new Set(section.node.required ?? []);
    for (const [name, node] of Object.entries(section.node.properties ?? {})) {
      const { text, fallback } = splitDefault(node.description ?? '');
      const dflt = node.default !== undefined ? code(JSON.stringify(node.default)) : (fallback ?? '');
      lines.push(
        '| ' +
          [code(name), typeOf(node), required.has(name) ? 'yes' : 'no', dflt, limitsOf(node).join('; '), text]
            .map(cell)
            .join(' | ') +
          ' |',
      );
    }
    lines.push('', 'Example:', '', '```yaml', section.example.trim(), '```', '');
  }
  lines.push(
    '## Duration',
    '',
    duration.description ?? '',
    '',
    `Text: pattern ${code(duration.anyOf?.[0]?.pattern ?? '')}; milliseconds: ${limitsOf(duration.anyOf?.[1] ?? {}).join(', ')}.`,
    '',
    '## Limits the JSON Schema cannot express',
    '',
    schema.$comment ?? '',
    '',
  );
  return lines.join('\n');
}

/** Splits `… Default: x.` off a description: the text before, and `x`. */
function splitDefault(description: string): { text: string; fallback?: string } {
  const at = description.lastIndexOf(' Default: ');
  if (at < 0) return { text: description };
  return {
    text: description.slice(0, at),
    fallback: description.slice(at + ' Default: '.length).replace(/\.$/, ''),
  };
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

export const REFERENCE_PATH = fileURLToPath(new URL('../docs/definition.md', import.meta.url));

/** The reference as committed: formatted with the repository's prettier settings. */
export async function formattedReference(): Promise<string> {
  const config = (await prettier.resolveConfig(REFERENCE_PATH)) ?? {};
  return await prettier.format(definitionReference(), { ...config, filepath: REFERENCE_PATH });
}

export const OPERATIONS_PATH = fileURLToPath(new URL('../docs/operations.md', import.meta.url));
export const ENV_TABLE_START =
  '<!-- env-table: generated by `npx tsx scripts/write-reference.ts` from ENVIRONMENT in src/config.ts -->';
export const ENV_TABLE_END = '<!-- /env-table -->';

/** The table of every environment variable (ENVIRONMENT in src/config.ts), as Markdown. */
export function environmentTable(): string {
  const rows = Object.entries(ENVIRONMENT).map(([name, info]) =>
    [
      code(name),
      info.default === undefined ? '' : code(info.default),
      info.description + (info.secret ? ' (secret: never logged or printed)' : ''),
      info.readBy === 'stepline' ? 'Stepline' : code(info.readBy),
    ]
      .map(cell)
      .join(' | '),
  );
  return [
    '| Variable | Default | What | Read by |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** docs/operations.md with its environment table regenerated and formatted. */
export async function formattedOperations(current: string): Promise<string> {
  const start = current.indexOf(ENV_TABLE_START);
  const end = current.indexOf(ENV_TABLE_END);
  if (start < 0 || end < start) throw new Error(`${OPERATIONS_PATH}: env-table markers not found`);
  const text =
    current.slice(0, start + ENV_TABLE_START.length) +
    '\n\n' +
    environmentTable() +
    '\n\n' +
    current.slice(end);
  const config = (await prettier.resolveConfig(OPERATIONS_PATH)) ?? {};
  return await prettier.format(text, { ...config, filepath: OPERATIONS_PATH });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeFile(REFERENCE_PATH, await formattedReference());
  console.log(`wrote ${REFERENCE_PATH}`);
  await writeFile(OPERATIONS_PATH, await formattedOperations(await readFile(OPERATIONS_PATH, 'utf8')));
  console.log(`wrote ${OPERATIONS_PATH}`);
}
