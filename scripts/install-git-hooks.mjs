#!/usr/bin/env node
// `npm install` (prepare) installs the pre-commit hook. It must never fail an install: in CI (CI=true), in a
// tarball or copy without .git, or with SKIP_INSTALL_SIMPLE_GIT_HOOKS=1 it does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const skip =
  ['1', 'true'].includes(String(process.env.CI).toLowerCase()) ||
  ['1', 'true'].includes(String(process.env.SKIP_INSTALL_SIMPLE_GIT_HOOKS)) ||
  !existsSync('.git');
if (!skip) {
  const r = spawnSync('npx', ['--no-install', 'simple-git-hooks'], { stdio: 'inherit' });
  if (r.status !== 0)
    console.warn('install-git-hooks: could not install the pre-commit hook; run `npx simple-git-hooks`');
}
