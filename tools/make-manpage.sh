#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the smartmeter(1) man page, made by help2man from the binary's own --help texts (the
# program's and each command's), so the page says what --help says.
#   bash tools/make-manpage.sh BINARY VERSION > smartmeter.1
# BINARY may be a launcher (tools/build-deb.sh runs another architecture's through qemu-user).
set -euo pipefail
binary=$1
version=$2
commands=$("$binary" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
include=$(mktemp)
trap 'rm -f "$include"' EXIT
# roff: keep the help text as it is printed (no fill), escape backslashes and leading dots.
as_roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
  echo "[COMMANDS]"
  for command in $commands; do
    echo ".SS \"smartmeter $command\""
    echo ".nf"
    "$binary" "$command" --help | as_roff
    echo ".fi"
  done
  cat <<'ROFF'
[FILES]
.TP
.I /etc/smartmeter/server.env
Settings of the service (the meter key, broker, database); readable by root and the group
smartmeter only. Each setting is described in
/usr/share/doc/evn-smartmeter/docs/settings.md.gz.
.TP
.I /var/lib/smartmeter
The service's data directory: the journal of received telegrams and the SQLite database.
.TP
.I /lib/systemd/system/smartmeter.service
The systemd unit: \fBsystemctl restart smartmeter\fR after changing the settings.
[SEE ALSO]
/usr/share/doc/evn-smartmeter/README.md.gz and docs/*.md.gz beside it: settings, tables,
dashboard, API and the migration from the Python decoder.
ROFF
} >"$include"
help2man --no-info --no-discard-stderr --section=1 --version-string="$version" \
  --name="decoder service for Austrian smart meters" --include="$include" "$binary"
