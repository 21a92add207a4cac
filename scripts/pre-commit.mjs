#!/usr/bin/env node
// Pre-commit check (installed by `npm install`, see scripts/install-git-hooks.mjs): lint and format of the staged
// files, typecheck of the workspaces they belong to, and the fast unit tests — well under 30 s. The full suite
// stays in CI (`npm test`). Skip once with `git commit --no-verify` or SKIP_SIMPLE_GIT_HOOKS=1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Pure-logic tests: no workers, servers or models, seconds in all. */
export const FAST_TESTS = [
  'packages/sdk/test',
  'apps/server/test/config',
  'apps/server/test/errors',
  'apps/server/test/plugins/manifest.test.ts',
  'apps/server/test/plugins/registry.test.ts',
  'apps/server/test/plugins/restart-policy.test.ts',
  'apps/server/test/plugins/discovery.test.ts',
  'plugins/motion/test/regions.test.ts',
  'plugins/motion/test/sessions.test.ts',
  'plugins/video-tracker/test/tracker.test.ts',
];

const CODE = /\.(ts|tsx|js|mjs|cjs)$/;
const FORMATTED = /\.(ts|tsx|js|mjs|cjs|json|md|css|html|ya?ml)$/;

function run(label, cmd, args) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`pre-commit: ${label} failed (${secs} s); fix it or commit with --no-verify`);
    process.exit(1);
  }
  console.log(`pre-commit: ${label} ok (${secs} s)`);
}

const staged = spawnSync('git', ['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z'], { encoding: 'utf8' })
  .stdout.split('\0')
  .filter((f) => f && existsSync(f));
if (staged.length === 0) process.exit(0);
const started = Date.now();

const code = staged.filter((f) => CODE.test(f));
const formatted = staged.filter((f) => FORMATTED.test(f) && f !== 'package-lock.json');
if (code.length) run(`eslint (${code.length} file(s))`, 'npx', ['eslint', '--no-warn-ignored', ...code]);
if (formatted.length) {
  run(`prettier (${formatted.length} file(s))`, 'npx', ['prettier', '--check', '--ignore-unknown', ...formatted]);
}

// The workspaces whose code changed, typechecked the way `npm run typecheck` does (tests included).
const workspaces = new Set();
for (const f of code) {
  const m = /^(packages|apps|plugins)\/[^/]+\//.exec(f);
  if (m && existsSync(path.join(m[0], 'tsconfig.test.json'))) workspaces.add(m[0]);
}
// Incremental: the build info lives under node_modules/.cache, so a workspace rechecks only what changed.
for (const ws of workspaces) {
  const info = path.join('node_modules', '.cache', 'pre-commit', `${ws.replace(/\W+/g, '-')}tsbuildinfo`);
  const tsc = ['tsc', '--noEmit', '--incremental', '--tsBuildInfoFile', info];
  run(`typecheck ${ws}`, 'npx', [...tsc, '-p', path.join(ws, 'tsconfig.test.json')]);
}

if (code.length) run('fast unit tests', 'npx', ['vitest', 'run', '--reporter=dot', ...FAST_TESTS]);
console.log(`pre-commit: all checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
