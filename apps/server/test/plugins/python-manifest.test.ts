import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPython, type PythonFacts } from '../../src/plugins/checks/python.js';
import { readManifest, type PythonManifest } from '../../src/plugins/manifest.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-pym-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('pyproject.toml manifests', () => {
  it('reads a native plugin with its Python requirements', () => {
    const r = readManifest(
      folder({
        'pyproject.toml': `[project]\nname = "faces"\nversion = "1.2.0"\ndependencies = ["numpy>=1.24"]\n
[tool.bastion]\napiVersion = 1\nentry = "faces.plugin:PLUGIN"\n[tool.bastion.requires]\npython = ">=3.9"\nmodules = ["cv2"]\ngpu = true\n[tool.bastion.python]\nexecutable = ".venv/bin/python"\n`,
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest).toMatchObject({ id: 'faces', version: '1.2.0', entry: 'faces.plugin:PLUGIN' });
    expect(r.manifest.requires.gpu).toBe(true);
    expect(r.manifest.python).toMatchObject({
      style: 'native',
      versionRange: '>=3.9',
      modules: ['cv2'],
      dependencies: ['numpy>=1.24'],
    });
    expect(r.manifest.python?.executable).toMatch(/\/\.venv\/bin\/python$/);
  });

  it('reads a ForgeSyte plugin: id from the entry point, requires-python and dependencies', () => {
    const r = readManifest(
      folder({
        'pyproject.toml': `[project]\nname = "forgesyte-ocr"\nrequires-python = ">=3.10"\ndependencies = ["pydantic>=2.0.0"]\n[project.entry-points."forgesyte.plugins"]\nocr = "forgesyte_ocr.plugin:Plugin"\n`,
      }),
    );
    expect(r.ok && r.manifest).toMatchObject({
      id: 'ocr',
      entry: 'forgesyte_ocr.plugin:Plugin',
      python: { style: 'forgesyte', versionRange: '>=3.10', dependencies: ['pydantic>=2.0.0'] },
    });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['broken TOML', '[project\nname=', /pyproject\.toml:/],
    ['no plugin declared', '[project]\nname = "x"\n', /declares no plugin/],
    [
      'a bad entry',
      '[tool.bastion]\napiVersion = 1\nentry = "nocolon"\nid = "x"\n',
      /entry: must be 'package\.module:NAME'/,
    ],
    ['an unknown field', '[tool.bastion]\napiVersion = 1\nentry = "a:B"\nid = "x"\nfoo = 1\n', /tool\.bastion: .*foo/],
    [
      'two ForgeSyte plugins',
      '[project.entry-points."forgesyte.plugins"]\na = "a:A"\nb = "b:B"\n',
      /declares 2 ForgeSyte plugins/,
    ],
    [
      'a model path leaving the folder',
      '[tool.bastion]\napiVersion = 1\nentry = "a:B"\nid = "x"\nrequires = { models = [{ path = "../m.bin" }] }\n',
      /must not leave/,
    ],
  ];
  for (const [what, toml, problem] of bad) {
    it(`${what} is MANIFEST_INVALID with the problem named`, () => {
      const r = readManifest(folder({ 'pyproject.toml': toml }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.join('\n')).toMatch(problem);
    });
  }

  it('a Node plugin carrying a pyproject.toml for tooling stays a Node plugin', () => {
    const r = readManifest(
      folder({
        'pyproject.toml': '[tool.black]\nline-length = 100\n',
        'package.json': JSON.stringify({ name: 'n', type: 'module', bastion: { apiVersion: 1 } }),
      }),
    );
    expect(r.ok && r.manifest.python).toBeNull();
  });
});

describe('the Python dependency check (probe facts → state and reason)', () => {
  const py: PythonManifest = { style: 'native', executable: null, versionRange: null, modules: [], dependencies: [] };
  const facts = (over: Partial<PythonFacts>): PythonFacts => ({
    executable: '/usr/bin/python3',
    version: '3.11.2',
    versionOk: true,
    missingModules: [],
    dependencies: [],
    torch: null,
    ...over,
  });
  const run = (f: PythonFacts, opts: { gpu?: boolean; ignoreVersions?: boolean; executable?: string } = {}) =>
    checkPython(py, {
      executable: opts.executable ?? '/usr/bin/python3',
      probe: () => Promise.resolve(f),
      ignoreVersions: opts.ignoreVersions ?? false,
      gpu: opts.gpu ?? false,
      pluginId: 'p',
    });

  it('a missing interpreter is UNAVAILABLE before any probe', async () => {
    const p = await run(facts({}), { executable: '/nonexistent/python3' });
    expect(p).toMatchObject({ state: 'UNAVAILABLE', code: 'DEPENDENCY_MISSING' });
    expect(p?.reason).toMatch(/\/nonexistent\/python3 not found.*plugins\.p\.python\.executable/);
  });

  it('names the Debian package of a missing distribution', async () => {
    const p = await run(
      facts({
        dependencies: [{ requirement: 'Pillow>=10', name: 'Pillow', installed: null, ok: false, moduleFound: false }],
      }),
    );
    expect(p?.reason).toMatch(/Pillow>=10 required, not installed .*apt-get install python3-pil/);
  });

  it('unmet version ranges block unless the operator ignores them', async () => {
    const f = facts({
      dependencies: [
        { requirement: 'pydantic>=2.0.0', name: 'pydantic', installed: '1.10.4', ok: false, moduleFound: false },
      ],
    });
    expect((await run(f))?.reason).toMatch(/pydantic>=2\.0\.0 required, 1\.10\.4 installed/);
    expect(await run(f, { ignoreVersions: true })).toBeNull();
  });

  it('a GPU the sandbox cannot use (torch says no CUDA) is FAILED GPU_DRIVER_ERROR', async () => {
    const f = facts({ torch: { available: false, version: '1.13.1' } });
    const p = await run(f, { gpu: true });
    expect(p).toMatchObject({ state: 'FAILED', code: 'GPU_DRIVER_ERROR' });
    expect(p?.reason).toMatch(/torch\.cuda\.is_available\(\) is False inside the plugin's sandbox \(torch 1\.13\.1\)/);
    expect(await run(facts({ torch: { available: true, version: '2.1' } }), { gpu: true })).toBeNull();
  });
});
