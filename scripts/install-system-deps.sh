#!/usr/bin/env bash
# Debian packages Bastion uses: bubblewrap (worker namespaces), ffmpeg (video-tracker), util-linux (setpriv,
# prlimit), DejaVu fonts (text rendering in tests), chromium (the web UI's end-to-end test), redis-server (cluster
# mode's tests start their own; a production cluster uses any Redis 6.2+), prometheus (its promtool checks /metrics
# in a test), Python 3 with OpenCV, its Haar cascades and numpy (the bundled face-detection plugin; Python plugins'
# dependency probe reads version ranges with python3-packaging), pydantic and Pillow (Python plugin tests: ForgeSyte
# plugins' models and images). Skips apt when everything is already there.
set -euo pipefail
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v setpriv >/dev/null || need+=(util-linux)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
command -v promtool >/dev/null || need+=(prometheus)
[ -x /usr/bin/python3 ] || need+=(python3)
py_has() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -I -c "import importlib.util as u, sys; sys.exit(u.find_spec('$1') is None)" 2>/dev/null; }
py_has cv2 || need+=(python3-opencv)
py_has numpy || need+=(python3-numpy)
py_has packaging || need+=(python3-packaging)
py_has pydantic || need+=(python3-pydantic)
py_has PIL || need+=(python3-pil)
[ -e /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || need+=(opencv-data)
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
