import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.bastion/**',
      // A fixture plugin whose module does not parse, on purpose.
      'apps/server/test/fixtures/plugins/syntax-error/lib/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The web UI runs in the browser.
    files: ['apps/web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Fixture plugins deliberately misbehave.
    files: ['apps/server/test/fixtures/**'],
    rules: { 'no-constant-condition': 'off', 'no-empty': 'off' },
  },
  {
    // Stability rule: processes are spawned only by the sandbox (and the few places listed below), so every plugin
    // execution goes through its limits, kills and accounting.
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:child_process', 'child_process'].map((name) => ({
            name,
            message:
              'Spawn processes only in apps/server/src/sandbox/ (plugin execution goes through the sandbox); see eslint.config.js for the other allowed places.',
          })),
        },
      ],
    },
  },
  {
    // The host never imports plugin code: only the worker (apps/server/src/sandbox/worker/) loads a plugin module.
    files: ['apps/server/src/**/*.ts'],
    ignores: ['apps/server/src/sandbox/worker/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.type!="Literal"]',
          message:
            'Dynamic import() of a computed path loads plugin code into the host; only the sandbox worker may do that.',
        },
        {
          selector: 'CallExpression[callee.name="require"][arguments.0.type!="Literal"]',
          message: 'require() of a computed path loads plugin code into the host; only the sandbox worker may do that.',
        },
      ],
    },
  },
  {
    // Places that legitimately spawn: the sandbox itself, the GPU probe (nvidia-smi, before any plugin code runs),
    // the Python probe (the interpreter's version and packages, before any plugin code runs), tests, benchmarks, repository scripts, and plugins that run a tool of their own (video-tracker's ffmpeg).
    files: [
      'apps/server/src/sandbox/**',
      'apps/server/src/plugins/checks/gpu.ts',
      'apps/server/src/plugins/checks/python-probe.ts',
      '**/test/**',
      'bench/**',
      'scripts/**',
      'plugins/video-tracker/src/**',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
);
