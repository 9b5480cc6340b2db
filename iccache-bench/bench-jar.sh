# Sourced by the run-*.sh scripts: builds iccache-bench and the modules it depends on when the jar
# is missing or sources changed (one build at a time, even when several runs start together), then
# `run_bench NAME CLASS [JVM flags] -- [arguments]` runs CLASS from the jar with the flags the
# ./iccache launcher uses, the given JVM flags and ICCACHE_BENCH_JAVA_OPTS (which come last and win).
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/.mvn/find-jdk.sh"

find_jar() {
  JAR=""
  for f in "$ROOT"/iccache-bench/target/iccache-bench-*.jar; do
    if [ -f "$f" ]; then JAR="$f"; break; fi
  done
}

stale() {
  find_jar
  [ -z "$JAR" ] || [ ! -d "$ROOT/iccache-bench/target/libs" ] \
    || [ -n "$(find "$ROOT" -path "$ROOT/*/src/main/*" -newer "$JAR" -type f -print 2>/dev/null | head -n 1)" ] \
    || [ -n "$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$JAR" -print | head -n 1)" ]
}

# build_jar NAME: builds this tree's iccache-bench when stale (one build at a time) and sets JAR, or fails.
build_jar() {
  name="$1"
  if stale; then
    mkdir -p "$ROOT/iccache-bench/target"
    exec 9>"$ROOT/iccache-bench/target/.build.lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if stale; then
      echo "$name: building iccache-bench (first use or sources changed)..." >&2
      (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-bench -am) >&2
      find_jar
    fi
    exec 9>&-
  fi
  if [ -z "$JAR" ]; then
    echo "$name: no iccache-bench jar under $ROOT/iccache-bench/target after the build" >&2
    exit 1
  fi
}

run_bench() {
  name="$1"; class="$2"; shift 2
  jvm=""
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do jvm="$jvm $1"; shift; done
  [ "$#" -gt 0 ] && shift
  build_jar "$name"
  # shellcheck disable=SC2086
  exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    $jvm ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$JAR" "$class" "$@"
}

# build_before COMMIT: the tree of COMMIT (git archive) built once under iccache-bench/target/before-COMMIT,
# for before/after runs in one invocation; sets BEFORE (the short commit), BEFORE_JAR (its iccache-bench jar)
# and BEFORE_LIBS (its dependency folder, with that commit's iccache modules).
build_before() {
  BEFORE="$(git -C "$ROOT" rev-parse --short "$1")"
  out="$ROOT/iccache-bench/target/before-$BEFORE"
  if [ ! -f "$out/built" ]; then
    rm -rf "$out" && mkdir -p "$out/src"
    git -C "$ROOT" archive "$BEFORE" | tar -x -C "$out/src"
    (cd "$out/src" && ./mvnw -q -B -DskipTests package -pl iccache-bench -am)
    touch "$out/built"
  fi
  for f in "$out"/src/iccache-bench/target/iccache-bench-*.jar; do BEFORE_JAR="$f"; break; done
  BEFORE_LIBS="$out/src/iccache-bench/target/libs"
}

# compare_trees NAME COMMIT: for a before/after script, the tree of COMMIT (build_before) and this tree
# (build_jar) built, and OUT, the folder of COMMIT's tree where the runs write their JSON.
compare_trees() {
  [ -n "${2:-}" ] || { echo "usage: $1 BEFORE-COMMIT [arguments]" >&2; exit 2; }
  build_before "$2"
  build_jar "$1"
  OUT="$ROOT/iccache-bench/target/before-$BEFORE"
}
