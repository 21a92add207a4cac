#!/usr/bin/env node
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error("bastion: not built yet; run 'npm run setup' in the repository root");
  process.exit(1);
}
await import(cli.href);
