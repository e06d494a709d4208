#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 for load tests and the steady-state benchmark: one
# Master and N Workers (separate JVMs), each Worker announcing one fake gpu (address = its index)
# through a discovery script, from a Spark home laid out from the build's own jars.
#   scripts/local-cluster.sh start DIR [WORKERS=2] [CORES_PER_WORKER=1] [MEMORY_PER_WORKER=3g]
#       prints the master URL (spark://127.0.0.1:PORT) once every Worker has registered
#   scripts/local-cluster.sh stop DIR
# Logs: DIR/master.log, DIR/worker-N.log, executors in DIR/worker-N/<app>/<executor>/stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA:-java}"
cmd="${1:-}"; dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

# conf/java-options: the Vector API module and the opens Spark needs, one per line.
mapfile -t OPENS < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$ROOT/conf/java-options")

spark_home() {
  local home="$dir/spark-home" cp="$ROOT/job/target/launch-classpath.txt"
  [[ -s "$cp" ]] || { echo "local-cluster: build first (mvn -DskipTests package)" >&2; exit 1; }
  rm -rf "$home"; mkdir -p "$home/jars" "$dir/spark-conf"
  local jar
  for jar in $(tr ':' ' ' < "$cp"); do
    [[ -e "$home/jars/$(basename "$jar")" ]] || ln -s "$jar" "$home/jars/$(basename "$jar")"
  done
  # Spark's launcher takes jars/ from a Spark home only when it has a RELEASE file.
  echo "Spark laid out by scripts/local-cluster.sh from the Maven dependency jars" > "$home/RELEASE"
}

daemon() { # log main args...
  local log="$1"; shift
  # exec: the recorded pid is the JVM's own, so that stop reaches it.
  (cd "$dir" && exec env SPARK_HOME="$dir/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 \
    SPARK_LOCAL_HOSTNAME=127.0.0.1 SPARK_CONF_DIR="$dir/spark-conf" \
    "$JAVA" -Xmx256m -XX:+UseSerialGC "${OPENS[@]}" -cp "$dir/spark-home/jars/*" "$@") > "$log" 2>&1 &
  echo $! >> "$dir/pids"
}

wait_for() { # log text
  local i
  for i in $(seq 1 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "local-cluster: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1
}

case "$cmd" in
  start)
    workers="${3:-2}"; cores="${4:-1}"; memory="${5:-3g}"
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
    [[ ! -s "$dir/pids" ]] || { echo "local-cluster: $dir/pids exists; stop that cluster first" >&2; exit 1; }
    spark_home
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    daemon "$dir/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0
    wait_for "$dir/master.log" "I have been elected leader"
    for ((i = 0; i < workers; i++)); do
      printf '#!/usr/bin/env bash\necho %s\n' "'{\"name\": \"gpu\", \"addresses\": [\"$i\"]}'" > "$dir/gpu-$i.sh"
      chmod +x "$dir/gpu-$i.sh"; mkdir -p "$dir/worker-$i"
      daemon "$dir/worker-$i.log" -Dspark.worker.resource.gpu.amount=1 \
        "-Dspark.worker.resource.gpu.discoveryScript=$dir/gpu-$i.sh" org.apache.spark.deploy.worker.Worker \
        --host 127.0.0.1 --webui-port 0 --cores "$cores" --memory "$memory" --work-dir "$dir/worker-$i" \
        "spark://127.0.0.1:$port"
    done
    for ((i = 0; i < workers; i++)); do wait_for "$dir/worker-$i.log" "Successfully registered with master"; done
    echo "spark://127.0.0.1:$port" | tee "$dir/master-url"
    ;;
  stop)
    [[ -s "$dir/pids" ]] || exit 0
    # Workers stop their executors when they stop; wait until every JVM has gone.
    pids=$(cat "$dir/pids")
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 150); do
      alive=0
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [[ $alive == 1 ]] || break
      sleep 0.2
    done
    rm -f "$dir/pids"
    ;;
  *) echo "local-cluster: unknown command '$cmd' (start, stop)" >&2; exit 2 ;;
esac
