import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  classifyError,
  HttpRequestError,
  HttpStatusError,
  StepError,
  toApplicationFailure,
} from '../../src/activities/index.js';
import type { ClassifyRule } from '../../src/pipeline/definition.js';

const nodeError = (code: string, message = `${code} happened`) => Object.assign(new Error(message), { code });
const httpError = (status: number) =>
  new HttpStatusError({ status, method: 'GET', url: 'https://api.example/x' });

test('Node network error codes classify as network, keeping the code', () => {
  for (const code of [
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EPIPE',
    'EHOSTUNREACH',
  ]) {
    const details = classifyError(nodeError(code));
    assert.equal(details.category, 'network', code);
    assert.equal(details.code, code);
    assert.equal(details.severity, 'medium');
  }
});

test('ENOMEM, ENOSPC and EMFILE classify as resource', () => {
  for (const code of ['ENOMEM', 'ENOSPC', 'EMFILE'])
    assert.equal(classifyError(nodeError(code)).category, 'resource');
});

test('HTTP statuses map to categories: 429 rate_limit, 401/403 auth, 404 not_found, 409 conflict, 5xx dependency, other 4xx validation', () => {
  const expected: Record<number, string> = {
    429: 'rate_limit',
    401: 'auth',
    403: 'auth',
    404: 'not_found',
    409: 'conflict',
    500: 'dependency',
    502: 'dependency',
    503: 'dependency',
    400: 'validation',
    422: 'validation',
  };
  for (const [status, category] of Object.entries(expected)) {
    const details = classifyError(httpError(Number(status)));
    assert.equal(details.category, category, `status ${status}`);
    assert.equal(details.code, `HTTP_${status}`);
    assert.equal(details.name, 'HttpStatusError');
  }
});

test('any error with a numeric 4xx/5xx status is treated as an HTTP answer', () => {
  assert.equal(classifyError(Object.assign(new Error('Too many'), { status: 429 })).category, 'rate_limit');
  assert.equal(
    classifyError(Object.assign(new Error('Bad gateway'), { statusCode: 502 })).category,
    'dependency',
  );
});

test('zod errors classify as validation with their issue paths in the message', () => {
  const result = z.object({ ms: z.number() }).safeParse({ ms: 'soon' });
  assert.ok(!result.success);
  const details = classifyError(result.error);
  assert.equal(details.category, 'validation');
  assert.equal(details.severity, 'high');
  assert.equal(details.message, 'ms: expected number, got string');
});

test('AbortSignal.timeout() and abort errors classify as timeout', async () => {
  const signal = AbortSignal.timeout(1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(classifyError(signal.reason).category, 'timeout');
  assert.equal(classifyError(new DOMException('aborted', 'AbortError')).category, 'timeout');
});

test("fetch's `TypeError: fetch failed` is classified by the code of its cause, and the message keeps both", () => {
  const err = new TypeError('fetch failed', {
    cause: nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
  });
  const details = classifyError(err);
  assert.equal(details.category, 'network');
  assert.equal(details.code, 'ECONNREFUSED');
  assert.equal(details.name, 'TypeError');
  assert.equal(details.message, 'fetch failed: connect ECONNREFUSED 127.0.0.1:9');
});

test('an AggregateError cause (happy eyeballs) is searched too', () => {
  const aggregate = new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')], '');
  const details = classifyError(new TypeError('fetch failed', { cause: aggregate }));
  assert.equal(details.category, 'network');
});

test('a timed-out HttpRequestError classifies as timeout, a refused one as network', () => {
  const timedOut = new HttpRequestError('GET x timed out after 5 ms', {
    cause: new DOMException('timed out', 'TimeoutError'),
  });
  assert.equal(classifyError(timedOut).category, 'timeout');
  assert.equal(
    classifyError(new HttpRequestError('GET x failed', { code: 'ECONNREFUSED' })).category,
    'network',
  );
});

test("a StepError's own category and severity win over the built-in rules", () => {
  const err = new StepError('quota', {
    category: 'rate_limit',
    severity: 'critical',
    code: 'E_QUOTA',
    cause: nodeError('ECONNRESET'),
  });
  assert.deepEqual(classifyError(err), {
    category: 'rate_limit',
    severity: 'critical',
    code: 'E_QUOTA',
    message: 'quota',
    name: 'StepError',
  });
});

test("a StepError without a severity gets its category's default severity", () => {
  assert.equal(new StepError('x', { category: 'validation' }).severity, 'high');
  assert.equal(classifyError(new StepError('x', { category: 'network' })).severity, 'medium');
});

test('an ApplicationFailure typed with a category keeps it, with the severity from its details', () => {
  const failure = ApplicationFailure.create({
    type: 'conflict',
    message: 'taken',
    details: [{ severity: 'low' }],
  });
  const details = classifyError(failure);
  assert.equal(details.category, 'conflict');
  assert.equal(details.severity, 'low');
});

test('definition classify rules are tried before StepError categories and built-in rules', () => {
  const rules: ClassifyRule[] = [
    { match: { code: 'ECONNRESET' }, category: 'dependency', severity: 'critical' },
  ];
  assert.deepEqual(
    [
      classifyError(nodeError('ECONNRESET'), rules).category,
      classifyError(nodeError('ECONNRESET'), rules).severity,
    ],
    ['dependency', 'critical'],
  );
  const stepError = new StepError('quota exceeded', { category: 'internal' });
  assert.equal(
    classifyError(stepError, [{ match: { message: 'quota' }, category: 'rate_limit' }]).category,
    'rate_limit',
  );
});

test('a classify rule matches only when every field it gives matches; message is a case-insensitive substring', () => {
  class ApiError extends Error {
    override name = 'ApiError';
    code = 'E_QUOTA';
  }
  const err = new ApiError('Quota Exceeded for account 7');
  const rule = (match: ClassifyRule['match']): ClassifyRule[] => [{ match, category: 'rate_limit' }];
  assert.equal(
    classifyError(err, rule({ message: 'quota exceeded', name: 'ApiError', code: 'E_QUOTA' })).category,
    'rate_limit',
  );
  assert.equal(
    classifyError(err, rule({ message: 'quota exceeded', name: 'OtherError' })).category,
    'unknown',
  );
  assert.equal(classifyError(err, rule({ code: 'E_OTHER' })).category, 'unknown');
  assert.equal(classifyError(err, rule({ name: 'ApiError' })).severity, 'medium');
});

test("a generic Error's message is followed by its cause's; a specific error's stands alone", () => {
  const cause = nodeError('ECONNRESET', 'socket hang up');
  assert.equal(classifyError(new Error('load failed', { cause })).message, 'load failed: socket hang up');
  assert.equal(
    classifyError(new StepError('load failed', { category: 'network', cause })).message,
    'load failed',
  );
});

test('classify rules are tried in order and see the whole cause chain', () => {
  const err = new Error('wrapped', { cause: nodeError('E_UPSTREAM', 'upstream said no') });
  const rules: ClassifyRule[] = [
    { match: { message: 'nothing like it' }, category: 'auth' },
    { match: { code: 'E_UPSTREAM' }, category: 'dependency' },
    { match: { message: 'wrapped' }, category: 'internal' },
  ];
  assert.equal(classifyError(err, rules).category, 'dependency');
});

test('a classify rule name matches an ApplicationFailure type', () => {
  const failure = ApplicationFailure.create({ type: 'PaymentDeclined', message: 'declined' });
  assert.equal(
    classifyError(failure, [{ match: { name: 'PaymentDeclined' }, category: 'validation' }]).category,
    'validation',
  );
});

test('an error nothing recognises is unknown, medium, with its message and name', () => {
  assert.deepEqual(classifyError(new RangeError('bad range')), {
    category: 'unknown',
    severity: 'medium',
    message: 'bad range',
    name: 'RangeError',
  });
});

test('weird throws never make the classifier throw', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('no reading me');
      },
    },
  );
  const circular: { message: string; cause?: unknown } = { message: 'loop' };
  circular.cause = circular;
  const cases: Array<[unknown, string]> = [
    ['plain string', 'plain string'],
    ['', 'empty string thrown'],
    [null, 'null thrown'],
    [undefined, 'undefined thrown'],
    [42, '42 thrown'],
    [Symbol('s'), 'Symbol(s) thrown'],
    [{ code: 'ECONNRESET' }, 'object thrown: {"code":"ECONNRESET"}'],
    [Object.create(null), '[object Object] thrown'],
    [hostile, '[object] thrown'],
    [circular, 'loop'],
  ];
  for (const [thrown, message] of cases) {
    const details = classifyError(thrown);
    assert.equal(details.message, message);
    assert.ok(['unknown', 'network'].includes(details.category));
  }
  assert.equal(classifyError({ code: 'ECONNRESET' }).category, 'network');
});

test('very long messages are cut to keep failures small', () => {
  const details = classifyError(new Error('x'.repeat(10_000)));
  assert.equal(details.message.length, 2000);
  assert.ok(details.message.endsWith('...'));
});

test('toApplicationFailure types the failure with the category and carries the details, retryable by default', () => {
  const details = classifyError(nodeError('ECONNRESET'));
  const cause = new Error('original');
  const failure = toApplicationFailure(details, cause);
  assert.equal(failure.type, 'network');
  assert.equal(failure.message, details.message);
  assert.deepEqual(failure.details, [details]);
  assert.equal(failure.nonRetryable, false);
  assert.equal(failure.cause, cause);
  assert.equal(toApplicationFailure(details, 'not an error').cause, undefined);
});
