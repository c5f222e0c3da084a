#!/usr/bin/env bash
# `make fuzz`: builds every libFuzzer target in Fuzz/Targets (each with Fuzz/Shared) against the package's own modules
# and runs each for FUZZ_SECONDS (default 60) from its committed seed corpus Fuzz/corpus/<target>/.
#
# Why not a SwiftPM target: an executable target linked with -sanitize=fuzzer lacks `<module>_main`
# (libFuzzer brings main), so SwiftPM only compiles the library modules, instrumented, into
# .build-fuzz (swiftc has no fuzzer-no-link: -sanitize=fuzzer on a compile that links nothing
# instruments without pulling in libFuzzer's main; C modules get clang's fuzzer-no-link), and
# each entry point is compiled and linked by swiftc against their objects.
#
# FUZZ_TARGETS limits the targets ("json http-head"); FUZZ_JOBS runs that many at once (default 1);
# FUZZ_ONLY_BUILD=1 builds without running. A crash leaves its input as Fuzz/crashes/<target>/crash-*
# and fails the run. New inputs found while running go to .build-fuzz/corpus/<target>, never into
# the committed seeds.
set -eu
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
TARGETS=${FUZZ_TARGETS:-"json runware-envelope task-validator image-png image-jpeg image-webp http-head"}
BUILD=.build-fuzz
CONFIG=release
SANITIZE="-sanitize=fuzzer,address"

for module in KontextCore KontextNet NIOEmbedded; do
  "$SWIFT" build -c "$CONFIG" --build-path "$BUILD" --target "$module" \
    -Xswiftc "$SANITIZE" -Xcc -fsanitize=fuzzer-no-link,address >&2
done
BIN=$("$SWIFT" build -c "$CONFIG" --build-path "$BUILD" --show-bin-path)

# Every object of the library modules built above (none has a main); module maps of the C modules.
# (An array: some object names have spaces, "Unmanaged extensions.swift.o".)
mapfile -t OBJECTS < <(find "$BIN" -path '*.build/*.o' ! -path '*Tests.build/*' ! -path '*/kontextd.build/*' \
  ! -path '*/runware-sim.build/*' ! -path '*/kontextd-bench.build/*' ! -path '*/RunwareSimulator.build/*' \
  ! -path '*/KontextDaemon.build/*' ! -path '*/KontextStore.build/*' ! -path '*/KontextCrypto.build/*' \
  ! -path '*-tool.build/*' ! -path '*/ArgumentParser*' | sort)
MAPS=""
# C modules only: those SwiftPM generated for C targets, the package's system-library shims, and
# the module maps C targets of dependencies ship (not the -Swift.h maps of Swift modules).
for map in "$BIN"/*.build/module.modulemap Sources/C*/module.modulemap \
    $(find "$BUILD/checkouts" -path '*/Sources/*/include/module.modulemap' 2>/dev/null); do
  MAPS="$MAPS -Xcc -fmodule-map-file=$map"
done
INCLUDES=""
for dir in $(find "$BUILD/checkouts" -type d -name include -path '*/Sources/*' 2>/dev/null); do
  INCLUDES="$INCLUDES -Xcc -I$dir"
done
LIBS=$(pkg-config --libs libcurl libturbojpeg libpng libwebp)

# The modules declare their API `package`, visible only to code compiled with the same package
# name; SwiftPM derives it from the checkout's directory name, so read it from its build plan.
PACKAGE_NAME=$(grep -A30 -- '"KontextCore' "$BUILD/$CONFIG.yaml" | grep -o -- '"-package-name","[^"]*"' | head -1 | cut -d'"' -f4)
[ -n "$PACKAGE_NAME" ] || { echo "fuzz: no -package-name for KontextCore in $BUILD/$CONFIG.yaml" >&2; exit 1; }

mkdir -p "$BUILD/fuzzers"
for target in $TARGETS; do
  echo "building fuzzer $target" >&2
  # shellcheck disable=SC2086
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "Fuzz_$(echo "$target" | tr - _)" -package-name "$PACKAGE_NAME" \
    -I "$BIN/Modules" $MAPS $INCLUDES "Fuzz/Targets/$target.swift" Fuzz/Shared/*.swift "${OBJECTS[@]}" $LIBS \
    -o "$BUILD/fuzzers/$target" 2> >(grep -v "Cannot export local symbol" >&2)
done
[ "${FUZZ_ONLY_BUILD:-0}" = 1 ] && exit 0

# Runs one target for FUZZ_SECONDS; prints executions and the verdict; fails on a crash.
run_one() {
  target=$1
  mkdir -p "$BUILD/corpus/$target" "Fuzz/crashes/$target"
  log="$BUILD/fuzzers/$target.log"
  started=$(date +%s)
  if "$BUILD/fuzzers/$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -rss_limit_mb=2048 \
      -artifact_prefix="Fuzz/crashes/$target/" "$BUILD/corpus/$target" "Fuzz/corpus/$target" >"$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (input in Fuzz/crashes/$target/)"
  fi
  elapsed=$(( $(date +%s) - started ))
  # The final stats (no crash), or the last status line libFuzzer printed before a crash.
  runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log")
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  echo "fuzz $target: ${runs:-?} executions in ${elapsed} s, $result (log $log)"
  [ "$result" = "no crash" ]
}
export -f run_one
export BUILD FUZZ_SECONDS
# At most FUZZ_JOBS targets at once; the run fails when any target crashed.
printf '%s\n' $TARGETS | xargs -P "$FUZZ_JOBS" -I{} bash -c 'run_one "$1"' _ {}
