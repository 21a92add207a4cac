#!/usr/bin/env bash
# Debian packages Bastion uses: bubblewrap (worker namespaces), ffmpeg (video-tracker), util-linux (setpriv,
# prlimit), DejaVu fonts (text rendering in tests), chromium (the web UI's end-to-end test), redis-server (cluster
# mode's tests start their own; a production cluster uses any Redis 6.2+), prometheus (its promtool checks /metrics
# in a test). Skips apt when everything is already there.
set -euo pipefail
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v setpriv >/dev/null || need+=(util-linux)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
command -v promtool >/dev/null || need+=(prometheus)
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
