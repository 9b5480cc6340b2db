# Sourced by ./mvnw, ./iccache and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Order: $JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm. Fails loudly.
iccache_jdk_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}
iccache_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(iccache_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then return 0; fi
  fi
  best=""; best_v=0
  case $- in *f*) iccache_noglob=1; set +f ;; *) iccache_noglob=0 ;; esac
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(iccache_jdk_major "$d")
    if [ -n "$v" ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  [ "$iccache_noglob" = 1 ] && set -f
  if [ "$best_v" -ge 21 ]; then
    JAVA_HOME="$best"; export JAVA_HOME; return 0
  fi
  echo "iccache: no JDK >= 21 found (JAVA_HOME='${JAVA_HOME-}', nothing new enough under /usr/lib/jvm)." >&2
  echo "iccache: install a JDK 21+ (e.g. apt-get install openjdk-21-jdk or Temurin 25) or set JAVA_HOME." >&2
  return 1
}
iccache_find_jdk || exit 1
# Maven's own Guice/Guava call sun.misc.Unsafe; JDK 24+ warns about it on every build. Silence only that.
if [ "$(iccache_jdk_major "$JAVA_HOME")" -ge 24 ]; then
  case "${MAVEN_OPTS-}" in *sun-misc-unsafe-memory-access*) ;; *)
    MAVEN_OPTS="${MAVEN_OPTS-} --sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
  esac
fi
