#!/bin/sh
# Install pantau's Elasticsearch objects (ILM policy, component and index
# templates) and import its Kibana saved objects (data view, saved searches,
# dashboards).
# pantau installs the Elasticsearch objects itself when its user may; this
# is for when it may not, and for Kibana.
#
# Usage: scripts/es-install.sh ES_URL [KIBANA_URL]
# Credentials, when needed, in the environment: ES_AUTH and KIBANA_AUTH,
# each a full header, e.g. ES_AUTH="Authorization: ApiKey BASE64".
# CURL_OPTS adds curl options (e.g. "--cacert /etc/pantau/ca.pem").
# PANTAU_TZ (e.g. Asia/Jakarta) is the time zone of the busy-hours heat
# map; it is UTC otherwise.
set -eu

es=${1:?usage: scripts/es-install.sh ES_URL [KIBANA_URL]}
kibana=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$here/dashboards/elasticsearch

put() {
	# shellcheck disable=SC2086
	curl -fsS $CURL_OPTS -X PUT "$es/$1" -H 'Content-Type: application/json' \
		${ES_AUTH:+-H "$ES_AUTH"} --data-binary "@$dir/$2.json" >/dev/null
	echo "installed $1"
}

CURL_OPTS=${CURL_OPTS:-}
put _ilm/policy/pantau-events ilm-policy
put _component_template/pantau-events-settings component-settings
put _component_template/pantau-events-mappings component-mappings
put _index_template/pantau-events index-template

if [ -n "$kibana" ]; then
	objects=$here/dashboards/kibana/pantau.ndjson
	tz=${PANTAU_TZ:-UTC}
	case $tz in
	*[!A-Za-z0-9_/+-]*)
		echo "PANTAU_TZ is '$tz'; give a zone name such as Asia/Jakarta." >&2
		exit 2 ;;
	esac
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	sed "s|ZoneId.of('UTC')|ZoneId.of('$tz')|g" "$objects" >"$tmp"
	# shellcheck disable=SC2086
	curl -fsS $CURL_OPTS -X POST "$kibana/api/saved_objects/_import?overwrite=true" \
		-H 'kbn-xsrf: true' ${KIBANA_AUTH:+-H "$KIBANA_AUTH"} \
		-F "file=@$tmp;filename=pantau.ndjson" >/dev/null
	echo "imported dashboards/kibana/pantau.ndjson into $kibana (busy hours in $tz)"
fi
