import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The launcher is CommonJS on purpose (bin/package.json): it keeps credential-process start-up short.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Modules shared with the credential-process fast path are CommonJS (.cts → dist/**/*.cjs), loaded by the launcher.
    files: ['src/**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
  {
    // Architecture: core never imports an adapter, the app layer or the CLI.
    files: ['src/core/**/*.ts', 'src/core/**/*.cts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/app/**', '**/cli/**', '@aws-sdk/*', '@napi-rs/*', '@inquirer/*', 'commander'] }],
    },
  },
  {
    // Architecture: the CLI calls the app layer only; app/ is the only place that builds adapters.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '@aws-sdk/*', '@napi-rs/*', '@inquirer/*'] }],
      'no-restricted-syntax': [
        'error',
        { selector: "ImportExpression[source.value=/\\/adapters\\//]", message: 'the CLI calls app/ only: move this into a use case' },
      ],
    },
  },
);
