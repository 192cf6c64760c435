#!/usr/bin/env bash
# Installs or upgrades Perch into a prefix laid out as Mattermost admins expect:
#   PREFIX/bin/perch  PREFIX/config/config.json  PREFIX/data/  PREFIX/logs/  PREFIX/backups/
# Idempotent. Never overwrites an existing config.json or data/. On upgrade it backs up the
# config and the database (a consistent online copy), replaces the binary, checks that the new
# one runs (and answers /api/v4/system/ping if the service is running), and rolls back if not.
#
# usage: ./install.sh [--prefix DIR] [--binary PATH] [--systemd] [--user NAME]
#   --prefix DIR    install root (default /opt/perch)
#   --binary PATH   install this binary instead of building one (cargo build --release --locked)
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
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "$binary" ]; then
  echo "== building the release binary"
  (cd "$here" && cargo build --release --locked -p perch --bin perch)
  binary="$here/target/release/perch"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
"$binary" version >/dev/null || { echo "install.sh: $binary does not run" >&2; exit 1; }

mkdir -p "$prefix/bin" "$prefix/config" "$prefix/data" "$prefix/logs" "$prefix/backups"
config="$prefix/config/config.json"
db="$prefix/data/perch.db"

upgrade=0
if [ -x "$prefix/bin/perch" ]; then
  upgrade=1
  stamp="$(date +%Y%m%d-%H%M%S)"
  backup="$prefix/backups/$stamp"
  mkdir -p "$backup"
  echo "== upgrade: backing up to $backup"
  [ -f "$config" ] && cp -p "$config" "$backup/config.json"
  if [ -f "$db" ]; then
    "$prefix/bin/perch" --config "$config" backup --to "$backup/perch.db"
  fi
  cp -p "$prefix/bin/perch" "$backup/perch.bin"
fi

if [ ! -f "$config" ]; then
  echo "== writing $config"
  cat > "$config" <<JSON
{
  "ServiceSettings": {
    "ListenAddress": ":8065",
    "AllowedUntrustedInternalConnections": ""
  },
  "SqlSettings": { "DriverName": "sqlite3", "DataSource": "$db" }
}
JSON
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
