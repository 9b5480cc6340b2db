#!/bin/sh
# Open-loop load and LiteLLM side by side (docs/benchmarks.md, "Open-loop load and LiteLLM side by side").
# One command runs the whole comparison on 127.0.0.1:
#   iccache-bench/run-compare.sh [--rates 250,500,1000] [--seconds 60] [--bank-size 100000] [--json FILE]
#                                [--targets pass,bank,bank-unlimited,bank-eager,litellm]
#                                (which gateways; direct is always measured; default pass,bank,litellm)
# It installs LiteLLM's proxy (pinned in iccache-bench/litellm-requirements.txt) into a per-user venv on
# first use (~/.cache/iccache/litellm), builds iccache-bench and the CLI when needed, builds (once, kept
# where run-decision.sh --keep keeps its banks, iccache-bench/target/decision-bench) a bank of --bank-size
# examples around the real questions, copies it (the gateway admits answers into its copy), then starts
#   - iccache in pass-through (bank off) on :18091,
#   - iccache with the bank on (real embedder, routed requests for the virtual model) on :18092,
#   - with --targets ...,bank-unlimited: the same with no limit on decisions at once (decisions.max-concurrent: 0,
#     every request waits for its decision: the behaviour before that limit existed) on :18094,
#   - with --targets ...,bank-eager: the same with admissions written as soon as they are queued
#     (bank.admission-linger-ms: 0, the behaviour before the linger existed) on :18095,
#   - LiteLLM's proxy (one worker process: with --num_workers 2 its workers died at start here) on :18093,
# all in front of the SIMULATED instant model server that the load generator serves on :18090, runs
# dev.iccache.bench.OpenLoopBenchmark against direct and the gateways and stops what it started.
# Remaining arguments go to OpenLoopBenchmark (--help lists them).
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
set -eu
BANK_SIZE=100000
TARGETS="pass,bank,litellm"
PASS=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --bank-size) BANK_SIZE="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    *) PASS="$PASS $1"; shift ;;
  esac
done
WORK="$ROOT/iccache-bench/target/compare"
BANKS="$ROOT/iccache-bench/target/decision-bench"
CACHE="${ICCACHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/iccache}/litellm"
mkdir -p "$WORK" "$CACHE"

# 1. LiteLLM, pinned, in its own venv.
REQ="$ROOT/iccache-bench/litellm-requirements.txt"
wants() { case ",$TARGETS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
port_of() {
  case "$1" in
    pass) echo 18091 ;; bank) echo 18092 ;; litellm) echo 18093 ;;
    bank-unlimited) echo 18094 ;; bank-eager) echo 18095 ;;
  esac
}
if wants litellm && ! cmp -s "$REQ" "$CACHE/installed.txt" 2>/dev/null; then
  echo "run-compare: installing LiteLLM into $CACHE/venv (first use)..." >&2
  rm -rf "$CACHE/venv"
  python3 -m venv "$CACHE/venv" || { echo "run-compare: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$CACHE/venv/bin/pip" install -q -r "$REQ" || { echo "run-compare: pip install of $REQ failed" >&2; exit 1; }
  cp "$REQ" "$CACHE/installed.txt"
fi

# 2. The jars (iccache-bench for the load generator and the bank builder, the CLI for the gateways).
stale && { (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-bench,iccache-cli -am) >&2; }
find_jar
CLI="$ROOT/iccache-cli/target/iccache.jar"
[ -f "$CLI" ] && [ -z "$(find "$ROOT" -path "$ROOT/*/src/main/*" -newer "$CLI" -type f -print 2>/dev/null | head -n 1)" ] \
  || (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-cli -am) >&2
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"

# 3. The bank (built once per size; the decision benchmark's builder and data).
if { wants bank || wants bank-unlimited || wants bank-eager; } && [ ! -d "$BANKS/bank-$BANK_SIZE" ]; then
  "$JAVA_HOME/bin/java" $FLAGS -Xmx4g -cp "$JAR:$ROOT/iccache-bench/target/libs/*" dev.iccache.bench.DecisionPathBenchmark \
    --sizes "$BANK_SIZE" --clients 1 --tenant-shares 1 --decisions 1 --warmup 0 --keep --work "$BANKS"
fi

# 4. The gateways and LiteLLM.
cat > "$WORK/pass.yaml" <<YAML
server: {host: 127.0.0.1, port: $(port_of pass)}
default-model: sim-fast
data-dir: $WORK/pass-data
access-log: {enabled: false}
bank: {enabled: false}
backends:
  - {name: sim-fast, base-url: "http://127.0.0.1:18090/v1", role: small, cost: 1.0, max-concurrent: 4096, server-load: {mode: off}}
YAML
# A gateway with the bank on, in its own copy of the bank (it admits answers): name, extra bank keys (each
# starting with a comma), other YAML. No compaction while idle: a gateway idle while the others' cells run would
# otherwise merge its bank between cells (`run-decision.sh --keep --compact` leaves the kept bank in one segment).
bank_gateway() {
  rm -rf "$WORK/$1"
  cp -r "$BANKS/bank-$BANK_SIZE" "$WORK/$1"
  rm -rf "$WORK/$1/learned"
  cat > "$WORK/$1.yaml" <<YAML
server: {host: 127.0.0.1, port: $(port_of "$1")}
virtual-model: iccache
default-model: sim-large
data-dir: $WORK/$1
access-log: {enabled: false}
replay: {enabled: false}
bank: {compaction: {segments: 0}$2}
$3
backends:
  - {name: sim-small, model: sim-fast, base-url: "http://127.0.0.1:18090/v1", role: small, cost: 1.0, max-concurrent: 4096, server-load: {mode: off}}
  - {name: sim-large, model: sim-fast, base-url: "http://127.0.0.1:18090/v1", role: large, cost: 7.17, max-concurrent: 4096, server-load: {mode: off}}
YAML
}
wants bank && bank_gateway bank "" ""
wants bank-unlimited && bank_gateway bank-unlimited "" "decisions: {max-concurrent: 0}"
wants bank-eager && bank_gateway bank-eager ", admission-linger-ms: 0" ""
cat > "$WORK/litellm.yaml" <<YAML
model_list:
  - model_name: sim-fast
    litellm_params: {model: openai/sim-fast, api_base: "http://127.0.0.1:18090/v1", api_key: none}
YAML
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
ARGS=""
if wants pass; then
  "$JAVA_HOME/bin/java" $FLAGS -Xmx2g -jar "$CLI" serve --config "$WORK/pass.yaml" > "$WORK/pass.log" 2>&1 &
  PIDS="$PIDS $!"
  ARGS="$ARGS --target iccache-pass-through=http://127.0.0.1:$(port_of pass)/v1,sim-fast --pid iccache-pass-through=$!"
fi
for name in bank bank-unlimited bank-eager; do
  wants "$name" || continue
  "$JAVA_HOME/bin/java" $FLAGS -Xmx4g -jar "$CLI" serve --config "$WORK/$name.yaml" > "$WORK/$name.log" 2>&1 &
  PIDS="$PIDS $!"
  ARGS="$ARGS --target iccache-$name=http://127.0.0.1:$(port_of "$name")/v1,iccache --pid iccache-$name=$!"
done
if wants litellm; then
  LITELLM_TELEMETRY=False "$CACHE/venv/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port "$(port_of litellm)" \
    > "$WORK/litellm.log" 2>&1 &
  PIDS="$PIDS $!"
  ARGS="$ARGS --target litellm=http://127.0.0.1:$(port_of litellm)/v1,sim-fast --pid litellm=$!"
fi
for target in pass bank litellm bank-unlimited bank-eager; do
  wants "$target" || continue
  port=$(port_of "$target")
  i=0
  until curl -s -o /dev/null "http://127.0.0.1:$port/health/liveliness" || curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
    i=$((i + 1)); [ "$i" -gt 240 ] && { echo "run-compare: nothing listens on :$port after 120 s (logs in $WORK)" >&2; exit 1; }
    sleep 0.5
  done
done
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $FLAGS -Xmx2g -cp "$JAR:$ROOT/iccache-bench/target/libs/*" dev.iccache.bench.OpenLoopBenchmark \
  --backend-port 18090 $ARGS $PASS
