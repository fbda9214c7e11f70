import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The renderer has no Node: DESIGN.md, decision "Renderer".
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', '**/main/**', 'fs', 'path', 'child_process', 'electron'] },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:*', '**/main/**', '**/renderer/**'] }] },
  },
  {
    // fleet talks to the KV only through the etcd3 client (DESIGN.md decision 1) and knows nothing
    // of the layers above it. Tests may start an embedded KV.
    files: ['src/main/fleet/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-helpers.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(kv|api|app|cli|clusters|machines|electron|renderer)(/|$)',
              message: 'fleet is below these layers',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/kv/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/fleet/**', '**/api/**', '**/machines/**', '**/electron/**', '**/renderer/**'] },
      ],
    },
  },
);
