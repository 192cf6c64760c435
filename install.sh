#!/usr/bin/env bash
# Installs or upgrades Perch into a prefix laid out as Mattermost admins expect:
#   PREFIX/bin/perch  PREFIX/config/config.json  PREFIX/data/  PREFIX/logs/  PREFIX/backups/
# Idempotent. Never overwrites an existing config.json or data/. Before anything is replaced,
# the new binary must start on a copy of this installation's config and database (which also
# runs its schema upgrade on the copy); on upgrade the config, the database (a consistent
# online copy) and the old binary are backed up first, and everything is rolled back if the
# new binary fails a later check.
#
# usage: ./install.sh [--prefix DIR] [--binary PATH] [--systemd] [--user NAME]
#   --prefix DIR    install root (default /opt/perch)
#   --binary PATH   install this binary (default: bin/perch beside this script, as in a release
#                   tarball; else one built with cargo build --release --locked)
#   --systemd       write and enable a systemd unit (perch.service), when run as root
#   --user NAME     system user owning config/ and data/ when run as root (default perch)
set -euo pipefail

prefix=/opt/perch
binary=""
systemd=0
user=perch
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --systemd) systemd=1; shift ;;
    --user) user="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "$binary" ]; then
  if [ -x "$here/bin/perch" ] && [ ! -f "$here/Cargo.toml" ]; then
    binary="$here/bin/perch"
  else
    echo "== building the release binary"
    (cd "$here" && cargo build --release --locked -p perch)
    binary="$here/target/release/perch"
  fi
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
"$binary" version >/dev/null || { echo "install.sh: $binary does not run" >&2; exit 1; }

mkdir -p "$prefix/bin" "$prefix/config" "$prefix/data" "$prefix/logs" "$prefix/backups"
config="$prefix/config/config.json"
db="$prefix/data/perch.db"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

upgrade=0
if [ -x "$prefix/bin/perch" ]; then
  upgrade=1
  stamp="$(date +%Y%m%d-%H%M%S)"
  backup="$prefix/backups/$stamp"
  n=1
  while [ -e "$backup" ]; do n=$((n + 1)); backup="$prefix/backups/$stamp-$n"; done
  mkdir -p "$backup"
  echo "== upgrade: backing up to $backup"
  [ -f "$config" ] && cp -p "$config" "$backup/config.json"
  if [ -f "$db" ]; then
    "$prefix/bin/perch" --config "$config" backup --to "$backup/perch.db"
  fi
  cp -p "$prefix/bin/perch" "$backup/perch.bin"
fi

# The new binary must start on a copy of this installation: its config, and its database
# (which it upgrades, if its schema is newer, on the copy only). A binary older than the
# database's schema refuses to start here, so it is never installed.
check_start() {
  local dir="$scratch/check"
  rm -rf "$dir"; mkdir -p "$dir"
  if [ -f "$config" ]; then cp -p "$config" "$dir/config.json"; else echo '{}' > "$dir/config.json"; fi
  if [ "$upgrade" = 1 ] && [ -f "$backup/perch.db" ]; then cp -p "$backup/perch.db" "$dir/perch.db"; fi
  MM_SQLSETTINGS_DATASOURCE="$dir/perch.db" MM_LOGSETTINGS_ENABLEFILE=false \
    "$binary" --config "$dir/config.json" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
  local pid=$! ok=0
  for _ in $(seq 1 100); do
    if grep -q '^listening on ' "$dir/out" 2>/dev/null; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    echo "install.sh: the new binary does not start on this installation's data:" >&2
    grep -v ' INFO ' "$dir/err" >&2 || true
    return 1
  fi
}
echo "== checking that $binary starts on a copy of the data"
if ! check_start; then
  echo "install.sh: nothing was changed; $prefix/bin/perch is still the old binary" >&2
  exit 1
fi

if [ ! -f "$config" ]; then
  echo "== writing $config"
  "$binary" --config "$config" config set SqlSettings.DataSource "$db" >/dev/null
  "$binary" --config "$config" config set LogSettings.EnableFile true >/dev/null
  "$binary" --config "$config" config set LogSettings.FileLocation "$prefix/logs" >/dev/null
  chmod 600 "$config"
else
  echo "== keeping existing $config"
fi

install -m 0755 "$binary" "$prefix/bin/perch.new"
mv -f "$prefix/bin/perch.new" "$prefix/bin/perch"

rollback() {
  echo "install.sh: the new binary failed its check; rolling back" >&2
  if [ "$upgrade" = 1 ]; then
    cp -p "$backup/perch.bin" "$prefix/bin/perch"
    [ -f "$backup/config.json" ] && cp -p "$backup/config.json" "$config"
    [ -f "$backup/perch.db" ] && cp -p "$backup/perch.db" "$db" && rm -f "$db-wal" "$db-shm"
    if [ "$systemd" = 1 ] && command -v systemctl >/dev/null; then systemctl restart perch || true; fi
  fi
  exit 1
}

"$prefix/bin/perch" version || rollback

if [ "$(id -u)" = 0 ]; then
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --home "$prefix" --shell /usr/sbin/nologin "$user" 2>/dev/null || true
  fi
  if id "$user" >/dev/null 2>&1; then
    chown -R "$user" "$prefix/config" "$prefix/data" "$prefix/logs" "$prefix/backups"
    chmod 700 "$prefix/config" "$prefix/data"
  fi
  if [ "$systemd" = 1 ] && command -v systemctl >/dev/null; then
    cat > /etc/systemd/system/perch.service <<UNIT
[Unit]
Description=Perch (Mattermost-compatible integration server)
After=network.target

[Service]
Type=simple
User=$user
WorkingDirectory=$prefix
ExecStart=$prefix/bin/perch --config $config
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable perch >/dev/null 2>&1 || true
    systemctl restart perch
    ok=0
    for _ in $(seq 1 50); do
      if curl -fsS "http://127.0.0.1:8065/api/v4/system/ping" >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.2
    done
    [ "$ok" = 1 ] || rollback
  fi
fi

echo "== perch installed in $prefix ($([ "$upgrade" = 1 ] && echo upgraded || echo fresh install))"
echo "   run: $prefix/bin/perch --config $config"
