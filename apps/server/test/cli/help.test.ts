import { describe, expect, it } from 'vitest';
import { SERVE_OPTIONS } from '../../src/config/load.js';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { runCli } from '../helpers/cli.js';

describe('--help', () => {
  it.each(Object.keys(COMMAND_HELP))('bastion %s --help prints its own usage and exits 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([command, flag]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(new RegExp(`^usage: bastion ${command}`));
    }
    const viaHelp = await runCli(['help', command]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(new RegExp(`^usage: bastion ${command}`));
  });

  it('a help flag wins over other (even invalid) flags', async () => {
    const { code, stdout } = await runCli(['serve', '--port', 'nope', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: bastion serve/);
  });

  it("serve's help lists every flag serve accepts", () => {
    for (const flag of Object.keys(SERVE_OPTIONS)) expect(COMMAND_HELP.serve).toContain(`--${flag}`);
  });

  it('bastion --help and bastion help exit 0 with the command list', async () => {
    for (const args of [['--help'], ['help']]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      for (const command of Object.keys(COMMAND_HELP)) expect(stdout).toContain(`  ${command}`);
    }
  });
});
