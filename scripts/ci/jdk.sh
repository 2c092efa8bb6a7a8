# Sourced by the scripts that start a JVM (trino.sh, iceberg_rest.sh, jvm_deps.sh): pick a JDK by version.
#
#   find_jdk MIN MAX [PREFERRED_HOME]   # prints the newest JDK home with MIN <= major <= MAX (MAX 0: any),
#                                       # PREFERRED_HOME first when it fits; exit 1 when none does

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk() {
  local min="$1" max="$2" preferred="${3:-}" candidate major
  for candidate in ${preferred:+"$preferred"} $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do
    candidate="${candidate%/}"
    [[ -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if ((major >= min)) && { ((max == 0)) || ((major <= max)); }; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
