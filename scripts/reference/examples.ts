/** The example YAML shown with each section of docs/definition.md. */
export const EXAMPLES = {
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
