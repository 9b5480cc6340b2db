#!/usr/bin/env bash
# Starts, stops and reports local Apache Cassandra 5 nodes for iccache's Cassandra example store:
#   cassandra/cassandra.sh start|stop|status [--nodes N]      (also: ./iccache cassandra ...)
# Node i (1..N, N <= 3) listens on 127.0.0.i (CQL 9042, storage 7000) and keeps its data, logs and pid
# under $ICCACHE_CASSANDRA_DIR/node<i> (default: .cassandra/ in the checkout, ignored by git). The server
# jars come from Maven Central (cassandra/pom.xml, resolved once by ./mvnw into the local repository);
# Cassandra 5 runs on JDK 17 (CASSANDRA_JAVA_HOME, else /usr/lib/jvm/*17*), not on newer JDKs.
# `start` returns when every node answers CQL. Exit status: 0 done, 1 failed, 2 usage, 3 no JDK 17.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${ICCACHE_CASSANDRA_DIR:-$ROOT/.cassandra}"
HEAP="${ICCACHE_CASSANDRA_HEAP:-1g}"
START_TIMEOUT="${ICCACHE_CASSANDRA_START_TIMEOUT:-180}"

usage() { echo "usage: $0 start|stop|status [--nodes N]  (N = 1..3, default 1)" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd="$1"; shift
nodes=1
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) [ $# -ge 2 ] || usage; nodes="$2"; shift 2 ;;
    --nodes=*) nodes="${1#--nodes=}"; shift ;;
    *) usage ;;
  esac
done
case "$nodes" in 1|2|3) ;; *) usage ;; esac

java17() {
  local j
  for j in "${CASSANDRA_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/*17*; do
    if [ -n "$j" ] && [ -x "$j/bin/java" ] && "$j/bin/java" -version 2>&1 | grep -q 'version "17'; then
      echo "$j/bin/java"; return 0
    fi
  done
  return 1
}

# The resolved classpath, cached next to the data until cassandra/pom.xml changes.
classpath() {
  local cp="$BASE/classpath.txt"
  if [ ! -s "$cp" ] || [ "$ROOT/cassandra/pom.xml" -nt "$cp" ]; then
    mkdir -p "$BASE"
    echo "cassandra: resolving the Cassandra server jars (cassandra/pom.xml)..." >&2
    "$ROOT/mvnw" -q -B -f "$ROOT/cassandra/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp.tmp" >&2
    mv "$cp.tmp" "$cp"
  fi
  cat "$cp"
}

pid_of() { cat "$BASE/node$1/pid" 2>/dev/null || true; }
alive() { local p; p="$(pid_of "$1")"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
cql_ready() { (exec 3<>"/dev/tcp/127.0.0.$1/9042") 2>/dev/null; }

start_node() {
  local i="$1" java="$2" cp="$3" dir="$BASE/node$1"
  if alive "$i"; then echo "cassandra: node $i already running (pid $(pid_of "$i"), 127.0.0.$i:9042)"; return 0; fi
  if cql_ready "$i"; then echo "cassandra: something else already listens on 127.0.0.$i:9042" >&2; return 1; fi
  mkdir -p "$dir"
  sed -e "s|@DIR@|$dir|g" -e "s|@ADDRESS@|127.0.0.$i|g" -e "s|@SEEDS@|127.0.0.1:7000|g" \
    "$ROOT/cassandra/cassandra.yaml.template" > "$dir/cassandra.yaml"
  local jamm; jamm="$(tr ':' '\n' <<<"$cp" | grep '/jamm-' | head -1)"
  # ActiveProcessorCount: Cassandra 5's vector index pool fails concurrent inserts on small machines
  # (CASSANDRA-21644). The --add-* flags are those of Cassandra's conf/jvm17-server.options.
  setsid nohup "$java" -Xms"$HEAP" -Xmx"$HEAP" -Xss512k -XX:+UseG1GC -XX:ActiveProcessorCount=64 \
    -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$dir" -Djava.net.preferIPv4Stack=true \
    -javaagent:"$jamm" -Djdk.attach.allowAttachSelf=true \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-opens java.base/java.lang.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/java.math=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens java.base/java.net=ALL-UNNAMED \
    -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" -Dcassandra.logdir="$dir" \
    -Dlogback.configurationFile="$ROOT/cassandra/logback.xml" -Dcassandra-foreground=yes \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.superuser_setup_delay_ms=0 -Dcassandra.ring_delay_ms=2000 \
    -cp "$cp" org.apache.cassandra.service.CassandraDaemon >"$dir/stdout.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  local waited=0
  until cql_ready "$i"; do
    if ! alive "$i"; then
      echo "cassandra: node $i exited during start; last lines of $dir/system.log:" >&2
      tail -n 20 "$dir/system.log" "$dir/stdout.log" >&2 2>/dev/null || true
      return 1
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      echo "cassandra: node $i not answering CQL on 127.0.0.$i:9042 after ${START_TIMEOUT}s (see $dir/system.log)" >&2
      return 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "cassandra: node $i ready on 127.0.0.$i:9042 after ${waited}s (pid $(pid_of "$i"), data in $dir)"
}

stop_node() {
  local i="$1" p waited=0
  alive "$i" || { rm -f "$BASE/node$i/pid"; return 0; }
  p="$(pid_of "$i")"
  kill "$p"
  while kill -0 "$p" 2>/dev/null; do
    if [ "$waited" -ge 60 ]; then kill -9 "$p" 2>/dev/null || true; fi
    sleep 0.5; waited=$((waited + 1))
  done
  rm -f "$BASE/node$i/pid"
  echo "cassandra: node $i stopped"
}

case "$cmd" in
  start)
    java="$(java17)" || { echo "cassandra: JDK 17 not found (Cassandra 5 needs it; set CASSANDRA_JAVA_HOME)" >&2; exit 3; }
    # New nodes join without streaming (auto_bootstrap: false, fine for an empty cluster): added to a
    # node that already holds data, they would take over token ranges whose data stays on node 1.
    if [ "$nodes" -gt 1 ] && [ -d "$BASE/node1/data" ] && [ ! -d "$BASE/node2" ]; then
      echo "cassandra: $BASE/node1 already holds a one-node cluster; to start $nodes nodes, stop it and move" \
        "$BASE aside (or set ICCACHE_CASSANDRA_DIR), then start again with --nodes $nodes" >&2
      exit 1
    fi
    cp="$(classpath)"
    for i in $(seq 1 "$nodes"); do start_node "$i" "$java" "$cp" || exit 1; done ;;
  stop)
    # Every node this checkout started, whatever --nodes says.
    for d in "$BASE"/node*; do [ -d "$d" ] && stop_node "${d##*/node}"; done; true ;;
  status)
    any=1
    for i in $(seq 1 3); do
      if alive "$i"; then
        any=0
        if cql_ready "$i"; then state="ready"; else state="starting"; fi
        echo "node $i: running (pid $(pid_of "$i")), 127.0.0.$i:9042 $state"
      elif [ "$i" -le "$nodes" ]; then
        echo "node $i: stopped"
      fi
    done
    exit "$any" ;;
  *) usage ;;
esac
