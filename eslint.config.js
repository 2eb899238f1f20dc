import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', '.data/', 'tests/artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no environment, no I/O.
    files: ['src/workflows/**/*.ts', 'src/pipeline/**/*.ts', 'src/telemetry/workflow/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto'],
              message: 'Workflow code must stay deterministic: no Node APIs.',
            },
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '**/activities/**',
                '**/client*',
                '**/worker*',
              ],
              message: 'Workflow code may import only @temporalio/workflow and src/pipeline.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No environment in workflow code.' }],
    },
  },
);
