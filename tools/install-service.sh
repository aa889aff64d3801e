#!/bin/sh
# install-service.sh STATEDIR UNITDIR — `make install-service`: the service
# user and group `outpost`, and STATEDIR set up so the daemon and the
# clerks' CLI share the store. Idempotent; run as root.
set -eu
state=$1 units=$2
if [ "$(id -u)" -ne 0 ]; then
	echo "make install-service: run as root (it creates the user outpost)" >&2
	exit 77
fi
getent group outpost >/dev/null || groupadd --system outpost
getent passwd outpost >/dev/null ||
	useradd --system --gid outpost --home-dir "$state" --no-create-home \
		--shell /usr/sbin/nologin --comment "Outpost sync daemon" outpost
# setgid: everything made inside belongs to group outpost
install -d -o outpost -g outpost -m 2770 "$state"
install -d -m 0755 /etc/outpost
# stores already there: the group may read and write them and their WAL
# files; secret keys stay the daemon's alone
find "$state" -maxdepth 1 -type f \( -name '*.db' -o -name '*.db-wal' -o -name '*.db-shm' \) \
	-exec chgrp outpost {} + -exec chmod g+rw {} +
find "$state" -maxdepth 1 -type f -name '*.key' -exec chown outpost:outpost {} + -exec chmod 0600 {} +
find "$state" -maxdepth 1 -type d -name '*.git' -exec chgrp -R outpost {} + -exec chmod -R g+rwX {} +
command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload 2>/dev/null || true
cat <<MSG
outpost user and group ready; $state is shared by group outpost (mode 2770).
Next:
  usermod -aG outpost CLERK            # each person who runs outpost here
  sudo -u outpost outpost --db $state/store.db init --site CODE   # or --hq
  sudo -u outpost outpost --db $state/store.db keys init
  edit /etc/outpost/outpostd.ini (see $units/outpostd.service)
  systemctl enable --now outpostd      # or outpost-backup.timer where no daemon runs
MSG
