#!/usr/bin/env bash
# Scale benchmark of the operator on Fabric8's CRUD mock server (no cluster needed).
# Usage: bench/operator/run-scale.sh [runs=500] [max heap=512m]
# Prints: time until every run has its pod and a Running status, retained heap, and the writes
# the API server sees per idle reconcile. Record results in docs/operator.md ("Performance").
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-500}"
HEAP="${2:-512m}"
mvn -B -q -o -pl operator test-compile -Dspotless.check.skip=true
mvn -B -q -o -pl operator dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="operator/target/test-classes:operator/target/classes:$(cat operator/target/bench-classpath.txt)"
exec java -Xmx"$HEAP" -XX:+UseSerialGC -cp "$CP" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  io.sarmae.operator.bench.ScaleBenchmark "$RUNS" .
