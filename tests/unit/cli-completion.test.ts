import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/program.js';
import { bashCompletion, commandInfos, zshCompletion } from '../../src/cli/commands/completion.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = `"${process.execPath}" --import tsx "${path.join(ROOT, 'src/cli/main.ts')}"`;

function bash(script: string): string {
  return execFileSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8' });
}

test('stepline completion bash: sourcing it registers a completion for stepline', () => {
  const out = bash(`source <(${CLI} completion bash) && complete -p stepline`);
  assert.match(out, /complete -o default -F _stepline_completion stepline/);
});

test('the bash completion completes commands, their options and the global options', () => {
  const complete = (words: string[]) =>
    bash(
      `source <(${CLI} completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); ` +
        `COMP_CWORD=${words.length - 1}; _stepline_completion; echo "\${COMPREPLY[*]}"`,
    ).trim();
  assert.equal(complete(['stepline', 'res']), 'result resume');
  assert.equal(complete(['stepline', 'comp']), 'completion');
  assert.equal(complete(['stepline', '--address', 'localhost:7233', 'result', '--st']), '--step');
  assert.match(complete(['stepline', 'run', '--']), /--task-queue/);
});

test('both scripts cover every command of the program', () => {
  const program = buildProgram();
  const names = commandInfos(program).map((c) => c.names[0]!);
  assert.ok(names.includes('result') && names.includes('completion') && names.includes('run'));
  const bashScript = bashCompletion(program);
  const zshScript = zshCompletion(program);
  for (const name of names) {
    assert.match(bashScript, new RegExp(`^    ${name}[|)]`, 'm'), `bash: ${name}`);
    assert.match(zshScript, new RegExp(`^    ${name}[|)]`, 'm'), `zsh: ${name}`);
  }
  assert.match(zshScript, /^#compdef stepline$/m);
});

test('the zsh script is valid zsh (when zsh is installed)', (t) => {
  const probe = spawnSync('zsh', ['--version']);
  if (probe.error) return t.skip('zsh is not installed');
  const check = spawnSync('zsh', ['-n'], { input: zshCompletion(buildProgram()) });
  assert.equal(check.status, 0, String(check.stderr));
});

test('stepline completion fish: a usage error (exit 2)', () => {
  const run = spawnSync('bash', ['-c', `${CLI} completion fish`], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /bash, zsh/);
});
