#!/usr/bin/env bash
# Scale benchmark of the operator on Fabric8's CRUD mock server (no cluster needed), as a ratio to
# the raw API cost of the same objects in the same run.
# Usage: bench/operator/run-scale.sh [runs=500] [max heap=512m] [rounds=5]
#   JFR=file.jfr bench/operator/run-scale.sh ...   also records a JFR profile (summarise it with
#   bench/operator/jfr_top.py file.jfr)
# Prints: per round (raw, operator alternating, fresh mock server each) the time until every run
# has its pod and a Running status; medians, spread and the ratio operator/raw; retained heap and
# the writes the API server sees per idle reconcile. Record results in docs/operator.md
# ("Performance") and the raw output under bench/operator/results-*/.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-500}"
HEAP="${2:-512m}"
ROUNDS="${3:-5}"
mvn -B -q -o -pl operator test-compile -Dspotless.check.skip=true
mvn -B -q -o -pl operator dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="operator/target/test-classes:operator/target/classes:$(cat operator/target/bench-classpath.txt)"
PROFILE=()
if [[ -n "${JFR:-}" ]]; then
  PROFILE=("-XX:FlightRecorderOptions:stackdepth=256" "-XX:StartFlightRecording=filename=${JFR},settings=profile")
fi
exec java -Xmx"$HEAP" -XX:+UseSerialGC "${PROFILE[@]}" -cp "$CP" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  io.sarmae.operator.bench.ScaleBenchmark "$RUNS" . "$ROUNDS"
