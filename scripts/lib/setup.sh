#!/usr/bin/env bash
# Sourced by scripts/test and scripts/demo: installs what a fresh Debian 12
# machine with only PostgreSQL lacks, then builds and installs the extension.
# Sets ROOT and PGVER; returns non-zero on failure.

PGVER=${PGVER:-15}
export PATH="/usr/lib/postgresql/$PGVER/bin:$PATH"

salesops_setup() {
	local need=() pkg SUDO=""
	for pkg in "postgresql-server-dev-$PGVER" "postgresql-$PGVER-pgtap" libipc-run-perl make gcc "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
	done
	if ((${#need[@]})); then
		echo "== installing: ${need[*]}"
		[ "$(id -u)" = 0 ] || SUDO=sudo
		$SUDO apt-get update -qq >/dev/null
		if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/tmp/salesops-apt.log 2>&1; then
			tail -20 /tmp/salesops-apt.log
			return 1
		fi
	fi

	echo "== build"
	make -s clean >/dev/null 2>&1
	make -s -C test/modules/rule_resolver clean >/dev/null 2>&1
	if ! make -s -j2 COPT="-Werror" >/tmp/salesops-build.log 2>&1 ||
		! make -s install >>/tmp/salesops-build.log 2>&1 ||
		! make -s -C test/modules/rule_resolver COPT="-Werror" install >>/tmp/salesops-build.log 2>&1; then
		cat /tmp/salesops-build.log
		return 1
	fi
	# the server runs as the postgres user: the tree must be readable by it
	chmod -R a+rX "$ROOT" 2>/dev/null || true
}

# pg_virtualenv with the settings every entry point uses
salesops_virtualenv() {
	pg_virtualenv -v "$PGVER" \
		-o "shared_preload_libraries=pg_salesops" \
		-o "max_worker_processes=16" \
		-o "max_parallel_workers_per_gather=2" \
		-o "lc_messages=C" \
		"$@"
}
