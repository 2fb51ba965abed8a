# Sourced by scripts/run and scripts/cluster: how a server JVM is built and started.
# crm_jar: builds the fat jar when sources are newer than it, and prints its path.
# crm_java: sets the array CRM_JAVA to the java command line of a server (conf/jvm.options, JAVA_OPTS, the module flags
#   Hazelcast asks for); CRM_CLASSPATH (a class path, e.g. the tests') runs crm.Main from it instead of the fat jar.
crm_jar() {
  local jar
  jar=$(ls target/whatsapp-crm-*-fat.jar 2>/dev/null | head -1 || true)
  if [ -z "$jar" ] || [ -n "$(find pom.xml src conf -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
    echo "Building (mvn package, tests skipped)..." >&2
    mvn -B -q -DskipTests package >&2
    jar=$(ls target/whatsapp-crm-*-fat.jar | head -1)
  fi
  echo "$jar"
}

crm_java() {
  local launch
  local jar
  if [ -n "${CRM_CLASSPATH:-}" ]; then
    launch=(-cp "$CRM_CLASSPATH" crm.Main)
  else
    jar=$(crm_jar) || { echo "the build failed: not starting an older jar" >&2; return 1; }
    launch=(-jar "$jar")
  fi
  # shellcheck disable=SC2206 # JAVA_OPTS is a list of options, split on spaces by design
  CRM_JAVA=(java @conf/jvm.options ${JAVA_OPTS:-}
    --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    "${launch[@]}")
}
