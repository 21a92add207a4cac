"""Dependency probe of a Python plugin, run by the host before any plugin code (`python3 -I probe.py SPEC`), in the
plugin's sandbox and with the plugin's interpreter. It imports nothing of the plugin: modules are only looked up
(importlib.util.find_spec), distributions' versions read from their metadata (importlib.metadata). With `torch`
set it imports torch and asks it whether CUDA works (the second GPU probe). Prints one JSON object."""
import importlib.metadata
import importlib.util
import json
import platform
import re
import sys

try:  # Debian's python3-packaging; the fallback below covers plain version ranges without it
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version
except ImportError:  # pragma: no cover - depends on the interpreter
    Requirement = None

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*\(?([^;()]*)\)?\s*(;.*)?$")
_OP = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")


def _release(text):
    nums = []
    for part in re.split(r"[.+-]", text):
        if not part.isdigit():
            break
        nums.append(int(part))
    return tuple(nums) or (0,)


def _pad(a, b):
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


def _fallback_contains(spec, version):
    """A PEP 440 range on release numbers only (no pre-releases, no local versions)."""
    have = _release(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = _OP.match(clause)
        if not m:
            return None
        op, want = m.group(1), m.group(2)
        if want.endswith(".*"):
            prefix = _release(want[:-2])
            same = have[: len(prefix)] == prefix
            if (op == "==" and not same) or (op == "!=" and same):
                return False
            continue
        a, b = _pad(have, _release(want))
        ok = {
            "==": a == b, "===": version == want, "!=": a != b, "<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b,
            "~=": a >= b and have[: max(len(_release(want)) - 1, 1)] == _release(want)[: max(len(_release(want)) - 1, 1)],
        }[op]
        if not ok:
            return False
    return True


def contains(spec, version):
    if not spec:
        return True
    if Requirement is not None:
        try:
            return SpecifierSet(spec).contains(Version(version), prereleases=True)
        except Exception:
            return None
    return _fallback_contains(spec, version)


def parse_requirement(text):
    """(name, specifier, applies) of a PEP 508 requirement; applies is False when its marker excludes this Python."""
    if Requirement is not None:
        try:
            req = Requirement(text)
            applies = req.marker.evaluate() if req.marker is not None else True
            return req.name, str(req.specifier), applies
        except Exception:
            pass
    m = _REQ.match(text)
    if not m:
        return None, None, True
    return m.group(1), (m.group(3) or "").strip(), True


def installed_version(name):
    try:
        return importlib.metadata.version(name)
    except Exception:
        return None


def find_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False


def main():
    spec = json.loads(sys.argv[1])
    version = platform.python_version()
    out = {
        "executable": sys.executable,
        "version": version,
        "versionOk": contains(spec.get("python") or "", version),
        "missingModules": [m for m in spec.get("modules", []) if not find_module(m)],
        "dependencies": [],
        "torch": None,
    }
    for text in spec.get("dependencies", []):
        name, specifier, applies = parse_requirement(text)
        if name is None or not applies:
            continue
        have = installed_version(name)
        alias = spec.get("aliases", {}).get(name.lower())
        module_found = find_module(alias) if alias else False
        out["dependencies"].append(
            {
                "requirement": text,
                "name": name,
                "installed": have,
                # None: the range could not be read; the host reports it and does not block on it
                "ok": contains(specifier, have) if have is not None else (True if module_found else False),
                "moduleFound": module_found,
            }
        )
    if spec.get("torch") and find_module("torch"):
        try:
            import torch  # noqa: PLC0415 - the GPU probe needs it

            out["torch"] = {"available": bool(torch.cuda.is_available()), "version": torch.__version__}
        except Exception as err:  # a broken CUDA install throws here
            out["torch"] = {"available": False, "error": f"{type(err).__name__}: {err}"}
    sys.stdout.write(json.dumps(out))


main()
