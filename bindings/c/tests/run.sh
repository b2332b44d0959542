#!/usr/bin/env bash
# Builds libsealcheck, installs it under a temp prefix, compiles the C tests against the
# committed header with -Wall -Wextra -Werror -std=c11, links them once against the shared and
# once against the static library, runs both and the cross-surface table, then runs them under
# valgrind memcheck (0 errors, 0 definitely or indirectly lost bytes). The audit log each C test
# writes is checked with the sealcheck CLI (`audit verify`, built here if it is not): intact and
# reaching the tail the test recorded; the test's edited copy broken.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
vectors=$(cd "$top/../shared/vectors" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
bash "$top/bindings/c/install.sh" "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cflags=(-Wall -Wextra -Werror -std=c11 -O1 -g -pthread)
# Compile against the committed header, not the installed copy.
gcc "${cflags[@]}" -I"$top/include" "$here/test_sealcheck.c" -o "$prefix/test_shared" $(pkg-config --libs sealcheck) -Wl,-rpath,"$prefix/lib"
gcc "${cflags[@]}" -I"$top/include" "$here/test_sealcheck.c" -o "$prefix/test_static" "$prefix/lib/libsealcheck.a" -lpthread -ldl -lm
gcc "${cflags[@]}" -I"$top/include" "$here/table.c" -o "$prefix/table" $(pkg-config --libs sealcheck) -Wl,-rpath,"$prefix/lib"
# ldd's output is captured first: under pipefail, `ldd | grep -q` fails when grep exits early.
linked=$(ldd "$prefix/test_shared")
grep -q 'libsealcheck.so.0' <<<"$linked" || { echo "shared test is not linked to libsealcheck.so.0" >&2; exit 1; }
echo "== the cross-surface table (tests/surfaces/table.tsv)"
"$prefix/table" "$top/tests/surfaces/table.tsv" "$vectors"
cargo build --release -q -p sealcheck-cli --manifest-path "$top/Cargo.toml"
cli="${CARGO_TARGET_DIR:-$top/target}/release/sealcheck"
for t in test_shared test_static; do
  echo "== $t"
  audit="$prefix/audit-$t"
  mkdir "$audit"
  SEALCHECK_AUDIT_DIR="$audit" "$prefix/$t" "$vectors"
  echo "== sealcheck audit verify: the audit log $t appended, and its edited copy"
  tail=$(cat "$audit/audit.tail")
  out=$("$cli" audit verify --expect "$tail" "$audit/audit.jsonl")
  [ "$out" = "chain intact: 40 records, tail $tail" ] || { echo "unexpected: $out" >&2; exit 1; }
  status=0
  out=$("$cli" audit verify --json "$audit/tampered.jsonl" 2>/dev/null) || status=$?
  [ "$status" = 1 ] && grep -q '"index":6' <<<"$out" || { echo "the edited log: exit $status, $out" >&2; exit 1; }
  echo "== $t --misuse (freed handles; reads freed memory, so not under valgrind)"
  "$prefix/$t" "$vectors" --misuse
done
if command -v valgrind >/dev/null; then
  for t in test_shared test_static; do
    echo "== valgrind $t"
    valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
      "$prefix/$t" "$vectors"
  done
  echo "== valgrind table"
  valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$prefix/table" "$top/tests/surfaces/table.tsv" "$vectors"
else
  echo "valgrind is not installed" >&2; exit 1
fi
