import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { acceptedManifest, undeclaredPackages } from '@bastion/testkit';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { findInstalledLanguages } from '../src/languages.js';
import { pluginDir } from './helpers.js';

const requireFromPlugin = createRequire(path.join(pluginDir, 'package.json'));

describe('ocr package.json', () => {
  it('is accepted by the host: ESM package, schema, packages, traineddata size and gzip magic', async () => {
    const m = await acceptedManifest(pluginDir);
    expect(m.id).toBe('ocr');
    expect(m.entry).toBe(path.join(pluginDir, 'dist', 'index.js'));
    expect(m.description).toEqual(expect.any(String));
    expect(m.requires).toMatchObject({ gpu: false, network: false, binaries: [] });
    expect(m.limits.concurrency).toBe(1);
    for (const key of ['timeoutMs', 'memoryMb', 'concurrency', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(m.limits[key], key).toBeGreaterThan(0);
    }
  });

  it('lists packages that are dependencies', async () => {
    const m = await acceptedManifest(pluginDir);
    expect(m.requires.packages).toEqual(expect.arrayContaining(['tesseract.js', '@tesseract.js-data/eng', 'sharp']));
    expect(undeclaredPackages(pluginDir, m)).toEqual([]);
  });

  it('declares the English traineddata where Node resolves it and the plugin finds it', async () => {
    const models = (await acceptedManifest(pluginDir)).requires.models;
    expect(models).toHaveLength(1);
    const model = models[0]!;
    expect(model).toMatchObject({
      package: '@tesseract.js-data/eng',
      format: 'gzip',
      hint: expect.stringMatching(/npm install/),
    });
    const file = path.join(path.dirname(requireFromPlugin.resolve(`${model.package!}/package.json`)), model.path);
    expect(fs.statSync(file).isFile()).toBe(true);
    expect(findInstalledLanguages(pluginDir).get('eng')?.file).toBe(file);
  });

  it('default-exports the extract_text tool with a schema', () => {
    const tool = plugin.tools.extract_text;
    expect(tool).toBeDefined();
    expect(tool.inputSchema).toMatchObject({ type: 'object', required: ['image'] });
    expect(typeof tool.handler).toBe('function');
    expect(typeof plugin.init).toBe('function');
    expect(typeof plugin.validate).toBe('function');
    expect(typeof plugin.dispose).toBe('function');
  });
});
