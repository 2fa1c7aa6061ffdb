#!/usr/bin/env bash
# Setup for `python -m bench.crawl` (idempotent; safe to run again):
#  - nginx from the Debian packages, if missing (serves the synthetic site; needs root or sudo);
#  - the host name bench.example.com -> 127.0.0.1 in /etc/hosts (news-please rejects 127.0.0.1 and localhost);
#  - news-please in its own virtual environment, bench/.venv-newsplease (its pins stay out of morgue's).
# Each step that fails is reported and skipped: the bench then prints "n/a (reason)" for what needs it.
set -uo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo -n"

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "setup: installing nginx (apt-get)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null \
    || echo "setup: nginx could not be installed" >&2
fi
# the Debian package starts a default server on port 80: the bench runs its own
$SUDO service nginx stop >/dev/null 2>&1 || true

if ! grep -q "bench.example.com" /etc/hosts 2>/dev/null; then
  echo "127.0.0.1 bench.example.com" | $SUDO tee -a /etc/hosts >/dev/null \
    || echo "setup: could not add bench.example.com to /etc/hosts" >&2
fi

if [ ! -x .venv-newsplease/bin/news-please ]; then
  echo "setup: installing news-please into bench/.venv-newsplease"
  python3 -m venv .venv-newsplease \
    && .venv-newsplease/bin/pip install -q 'news-please==1.6.16' \
    || echo "setup: news-please could not be installed" >&2
fi
echo "setup: done"
