import { PYTHON_DIR } from '../../paths.js';
import type { ScaffoldTemplate } from './template.js';

/**
 * `bastion new-plugin NAME --python`: a native Python plugin (pyproject.toml, `[tool.bastion]`) whose own
 * `python3 -m unittest` passes untouched.
 */
export const pythonTemplate: ScaffoldTemplate = {
  flag: 'python',
  firstSteps: 'python3 -m unittest',
  thenSteps: 'bastion check-plugin .',
  files: ({ name, hostVersion }) => pythonFiles(name, hostVersion, PYTHON_DIR),
};

/**
 * The files by path relative to the folder. `sdkDir` is where this host's Python SDK (`bastion_plugin`) lives: the
 * plugin's own tests import it from there, as the server's workers do (it is not on PyPI).
 */
function pythonFiles(name: string, hostVersion: string, sdkDir: string): Record<string, string> {
  const mod = /^[0-9]/.test(name) ? `plugin_${name.replace(/-/g, '_')}` : name.replace(/-/g, '_');
  return {
    'pyproject.toml': `[project]
name = "${name}"
version = "0.1.0"
description = "The ${name} plugin for Bastion"
requires-python = ">=3.9"
# Distributions your code needs, checked (with their versions) before the plugin loads, e.g. "numpy>=1.24".
dependencies = []

[tool.bastion]
id = "${name}"
apiVersion = 1
description = "The ${name} plugin"
entry = "${mod}.plugin:PLUGIN"
engines = { bastion = "^${hostVersion}" }

[tool.bastion.requires]
# Top-level modules that must be importable (found, not imported, before any plugin code runs), e.g. ["cv2"].
modules = []
gpu = false

[tool.bastion.limits]
timeoutMs = 60000
memoryMb = 512
`,
    '.gitignore': '__pycache__/\n.venv/\n',
    [`${mod}/__init__.py`]: '',
    [`${mod}/plugin.py`]: `"""The ${name} Bastion plugin: PLUGIN lists its tools (see README.md)."""
from bastion_plugin import InputError


def image_size(args, ctx):
    """Binary inputs (\`contentEncoding: base64\`) arrive as bytes."""
    image = args["image"]
    if len(image) == 0:
        raise InputError("image is empty", details={"field": "image"})  # 400 INVALID_INPUT
    ctx.progress(100, "measured")
    return {"bytes": len(image)}


PLUGIN = {
    "tools": {
        "image_size": {
            "description": "Size of an uploaded image in bytes",
            "input_schema": {
                "type": "object",
                "properties": {"image": {"type": "string", "contentEncoding": "base64"}},
                "required": ["image"],
            },
            "output_schema": {
                "type": "object",
                "properties": {"bytes": {"type": "integer"}},
                "required": ["bytes"],
            },
            "handler": image_size,
        }
    },
    # optional: "init": fn(ctx) -> state (load models), "validate": fn(ctx), "dispose": fn(ctx)
}
`,
    'tests/__init__.py': `# The Python SDK ships with the Bastion server (no PyPI): make it importable in this plugin's own tests.
import sys

try:
    import bastion_plugin  # noqa: F401
except ImportError:
    sys.path.append(${JSON.stringify(sdkDir)})
`,
    'tests/test_plugin.py': `"""Run with: python3 -m unittest  (or Debian's python3-pytest: python3 -m pytest)"""
import os
import unittest

from bastion_plugin import Context, InputError

from ${mod}.plugin import PLUGIN

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(tool, args):
    ctx = Context(plugin_dir=HERE, config={}, state=None, log=print)
    return PLUGIN["tools"][tool]["handler"](args, ctx)


class ImageSizeTest(unittest.TestCase):
    def test_counts_bytes(self):
        self.assertEqual(call("image_size", {"image": b"12345"}), {"bytes": 5})

    def test_refuses_an_empty_image(self):
        with self.assertRaises(InputError):
            call("image_size", {"image": b""})

    def test_lists_its_tools(self):
        self.assertEqual(sorted(PLUGIN["tools"]), ["image_size"])


if __name__ == "__main__":
    unittest.main()
`,
    'README.md': `# ${name}

A Python plugin for [Bastion](https://github.com/) (native form: \`[tool.bastion]\` in \`pyproject.toml\`).

- \`python3 -m unittest\` runs \`tests/test_plugin.py\` against the plugin module.
- \`bastion check-plugin .\` checks the manifest and dependencies, then loads it in the real sandbox.
- Put it in the server's plugins dir (\`--plugins-dir\`) to serve it over REST, MCP, jobs and the stream.

The interpreter is \`/usr/bin/python3\`; to use a venv, set \`[tool.bastion.python] executable = ".venv/bin/python"\`
(make it with \`python3 -m venv --system-site-packages .venv\` to keep Debian's packages). See the Python section of
Bastion's docs/plugin-authoring.md.
`,
  };
}
