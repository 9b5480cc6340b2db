#!/bin/sh
# The image's own files, laid out under DIR for Jib to add FROM scratch (no base image is pulled):
#   /opt/java     a Java runtime made by jlink from the JDK that builds iccache
#   /lib, /lib64  the C libraries that runtime and the native libraries in LIBS (ONNX Runtime, the
#                 Hugging Face tokenizers) load, copied from this machine as ldd resolves them
#   /etc/iccache/iccache.yaml  the configuration the image starts with; /tmp (1777)
# Usage: assemble-root.sh DIR LIBS   (LIBS: the directory of iccache's jars, iccache-cli/target/libs)
set -eu
LIBS="$(cd "$2" && pwd)"
rm -rf "$1"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../../.mvn/find-jdk.sh"
# The modules iccache uses, plus the Vector API Lucene searches with.
MODULES=java.se,jdk.unsupported,jdk.management,jdk.incubator.vector,jdk.zipfs,jdk.net,jdk.crypto.cryptoki

mkdir -p "$OUT/etc/iccache" "$OUT/tmp"
chmod 1777 "$OUT/tmp"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$OUT/opt/java"
cp "$HERE/iccache.yaml" "$OUT/etc/iccache/iccache.yaml"

natives="$(mktemp -d)"
trap 'rm -rf "$natives"' EXIT
for jar in "$LIBS"/onnxruntime-*.jar "$LIBS"/tokenizers-*.jar; do
  (cd "$natives" && "$JAVA_HOME/bin/jar" xf "$jar" $("$JAVA_HOME/bin/jar" tf "$jar" \
    | grep -E '(linux-x64|linux-x86_64)/.*\.so$' || true))
done
# The runtime's own libraries resolve each other through their RPATH; the desktop's (X11, ALSA) are never
# loaded by a headless server, so their C libraries stay out.
found="$(find "$OUT/opt/java" "$natives" \( -name '*.so' -o -path '*/bin/java' \) \
  ! -name libawt_xawt.so ! -name libjawt.so ! -name libsplashscreen.so ! -name libjsound.so | sort)"
[ -n "$(find "$natives" -name '*.so')" ] || { echo "no native libraries found in $LIBS" >&2; exit 1; }
for lib in $(for f in $found; do ldd "$f" 2>/dev/null; done \
    | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' | sort -u \
    | grep -v -e "^$OUT/" -e "^$natives/"); do
  mkdir -p "$OUT$(dirname "$lib")"
  cp -L "$lib" "$OUT$lib"
done
echo "image root: $(du -sh "$OUT" | cut -f1) in $OUT (java runtime $(du -sh "$OUT/opt/java" | cut -f1))"
