#!/usr/bin/env bash
# Builds libsealcheck, installs it under a temp prefix, compiles the C tests against the
# committed header with -Wall -Wextra -Werror -std=c11, links them once against the shared and
# once against the static library, runs both and the cross-surface table, then runs them under
# valgrind memcheck (0 errors, 0 definitely or indirectly lost bytes).
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
for t in test_shared test_static; do
  echo "== $t"
  "$prefix/$t" "$vectors"
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
