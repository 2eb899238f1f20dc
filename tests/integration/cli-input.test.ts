/**
 * What the `stepline` CLI does with bad input, and the commands that need no pipeline: validate, schema,
 * help, the `bin/stepline.js` launcher. Child processes, like a user's shell.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cli, fixture } from '../cli/run-cli.js';

describe('stepline CLI input handling', () => {
  test('validate prints every problem of a bad definition with its path and exits 2', async () => {
    const result = await cli(['validate', fixture('invalid.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stdout, /invalid\.yaml: invalid pipeline definition \(3 problems\):/);
    assert.match(result.stdout, /^ {2}steps\[0\]\.retry\.maxAttempts: expected a whole number of attempts/m);
    assert.match(result.stdout, /^ {2}steps\[1\]\.dependsOn\[0\]: unknown step "nowhere"/m);
    assert.match(result.stdout, /^ {2}steps\[1\]\.recovery\[0\]\.strategy: expected one of .*; got "pray"/m);
  });

  test('validate accepts YAML and JSON (also from stdin) and reports a syntax error with its line', async () => {
    const ok = await cli(['validate', fixture('gate.yaml'), 'examples/release.yaml']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /gate\.yaml: valid pipeline "cli-gate" \(3 steps\)/);
    assert.match(ok.stdout, /release\.yaml: valid pipeline "release" \(6 steps\)/);

    const json = await cli(['validate', '-', '--json'], {
      input: JSON.stringify({ name: 'from-stdin', steps: [{ id: 'a', activity: 'echo' }] }),
    });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      file: '-',
      valid: true,
      name: 'from-stdin',
      steps: 1,
      issues: [],
    });

    const broken = await cli(['validate', '-'], { input: 'name: x\nsteps:\n  - id: a\n   activity: echo\n' });
    assert.equal(broken.code, 2);
    assert.match(broken.stdout, /invalid YAML: line 4, column \d+/);
  });

  test('run refuses an invalid definition before connecting anywhere (exit 2, paths on stderr)', async () => {
    const result = await cli(['--address', '127.0.0.1:1', 'run', fixture('invalid.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^stepline: invalid pipeline definition \(3 problems\):$/m);
    assert.match(result.stderr, /^ {2}steps\[1\]\.dependsOn\[0\]: unknown step "nowhere"$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('bad --params exits 2 with one line that names the option and never echoes the value', async () => {
    const secret = 'sk-live-0123456789';
    const invalid = await cli(['run', fixture('gate.yaml'), '--params', `{"token": ${secret}}`]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^stepline: --params: invalid JSON/);
    assert.ok(!invalid.stderr.includes(secret), invalid.stderr);
    assert.equal(invalid.stderr.trim().split('\n').length, 1);

    const notObject = await cli(['run', fixture('gate.yaml'), '--params', '[1, 2]']);
    assert.equal(notObject.code, 2);
    assert.match(notObject.stderr, /--params: expected a JSON object .*; got a list/);

    const missing = await cli(['run', fixture('gate.yaml'), '--params', '@does-not-exist.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--params: cannot read "does-not-exist\.json": no such file/);
  });

  test('an unknown pipeline, an unknown command and a bad choice exit 2', async () => {
    const unknown = await cli(['status', 'no-such-pipeline-anywhere']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), 'stepline: pipeline "no-such-pipeline-anywhere" not found');

    const command = await cli(['frobnicate']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'frobnicate'/);

    const choice = await cli(['intervene', 'x', 'y', '--action', 'pray']);
    assert.equal(choice.code, 2);
    assert.match(choice.stderr, /Allowed choices are retry, skip, rollback, abort/);
  });

  test('every command has --help with examples; schema prints the JSON Schema; bin/stepline.js launches', async () => {
    const commands = [
      'validate',
      'run',
      'status',
      'watch',
      'approve',
      'reject',
      'intervene',
      'cancel',
      'resume',
      'list',
      'schema',
      'worker',
      'dev',
      'dashboard',
    ];
    const helps = await Promise.all(commands.map((name) => cli([name, '--help'])));
    helps.forEach((help, i) => {
      assert.equal(help.code, 0, `${commands[i]} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`Usage: stepline ${commands[i]} `));
      assert.match(help.stdout, /Examples:\n {2}\$ stepline /, `${commands[i]} --help has examples`);
    });

    const schema = await cli(['schema']);
    assert.equal(schema.code, 0, schema.stderr);
    const parsed = JSON.parse(schema.stdout) as { $schema?: string; title?: string };
    assert.match(parsed.$schema ?? '', /json-schema\.org/);

    const launched = await cli(['--help'], { bin: true });
    assert.equal(launched.code, 0, launched.stderr);
    assert.match(launched.stdout, /Usage: stepline \[options\] \[command\]/);
    assert.match(launched.stdout, /Exit codes:/);
  });
});
