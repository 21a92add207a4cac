"""Entry of a Python plugin worker (run by the Bastion host as `python3 -I -u worker.py`; never by hand)."""
import os
import sys

# -I leaves the script's folder off sys.path: put the runner, the SDK and the ForgeSyte compatibility modules on it.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.append(os.path.join(_HERE, "forgesyte_compat"))

from bastion_worker.main import main  # noqa: E402

main()
