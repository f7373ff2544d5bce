#!/usr/bin/env bash
# Installs the system and Python packages datapipe builds and tests with, on
# Debian 12 with the Swift toolchain on PATH. Safe to run again: installs only
# what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

apt_packages=(pkg-config libjansson-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev jq socat python3 python3-pip python3-venv emacs-nox vsftpd openssl libssh2-1-dev openssh-server)
# setpriv, mount and umount, for the Faults suites (tmpfs, dropped capabilities);
# wrk for scripts/server-load.
apt_packages+=(util-linux mount wrk)

missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The FTP tests run a real vsftpd (own config, loopback port) and log in as
# this throwaway local user; they create it too, when run as root.
if ! id datapipe-ftp >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    useradd --no-create-home --home-dir / --shell /bin/sh datapipe-ftp
fi

# Python packages the tests use: moto's S3 server and botocore's SigV4 signer.
python3 -c "import moto.server, botocore, boto3, flask" 2>/dev/null \
    || python3 -m pip install --quiet "moto[server]>=5.1" boto3

# The protocol spec test (protocol/tests): pytest and jsonschema.
python3 -c "import pytest, jsonschema" 2>/dev/null \
    || python3 -m pip install --quiet pytest jsonschema

command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain first" >&2; exit 1; }
