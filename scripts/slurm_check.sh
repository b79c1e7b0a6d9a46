#!/usr/bin/env bash
# The cluster path on a real Slurm: starts a single-node Slurm on this machine from Debian's
# packages (munged, slurmctld, slurmd on localhost, their files in a temp folder; the
# executor's job steps read /etc/slurm/slurm.conf, so that file is put there for the run and
# what was there before is put back on exit), then
#   1. runs workflow/Snakefile with the shipped Slurm profile (workflow/profiles/slurm,
#      snakemake-executor-plugin-slurm) on a 2-plate synthetic screen: prepare, one job per
#      plate, then the screen job, each a Slurm job with its rule's resources; the same config
#      through one whole `phenoscope run` must give byte-identical profiles, QC and evaluation;
#   2. trains 2 ranks with `srun --mpi=pmix -n 2 phenoscope train` and with `mpirun -np 2`
#      inside `salloc -n 2`, and checks the weights and losses are byte-identical to
#      `mpirun -np 2` on this machine without Slurm (and within 1e-5 of one process: the test
#      config is a ViT, where data parallelism is exact up to rounding).
# The daemons are stopped on exit, whatever happened. Needs root and apt-get (it installs
# slurm-wlm and munge when missing; they stay installed) and PyPI for snakemake; without them
# it says SKIPPED and exits 0.
# Usage: scripts/slurm_check.sh [PHENOSCOPE_BINARY]   (default: the newer of release and debug)
# SLURM_CHECK_KEEP=DIR copies the work folder (runs, logs, Slurm job list) there on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${1:-$(ls -t .build/release/phenoscope .build/debug/phenoscope 2>/dev/null | head -1 || true)}
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "slurm check: build first (swift build -c release --product phenoscope)" >&2; exit 1; }
BIN=$(realpath "$BIN")
skip() { echo "slurm check: SKIPPED ($1)"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root to start slurmctld/slurmd"
command -v apt-get >/dev/null || skip "needs apt-get for slurm-wlm and munge"
command -v mpirun >/dev/null || skip "mpirun not found (scripts/bootstrap.sh installs openmpi-bin)"
START=$SECONDS
elapsed() { echo $((SECONDS - START)); }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y --no-install-recommends slurm-wlm munge ||
    { apt-get update && apt-get install -y --no-install-recommends slurm-wlm munge; }; } >/dev/null 2>&1 ||
    skip "apt-get could not install slurm-wlm munge"
fi
VENV=.venv-slurm
if [ ! -x "$VENV/bin/snakemake" ] || [ ! -d "$VENV/lib"/python3*/site-packages/snakemake_executor_plugin_slurm ]; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q snakemake snakemake-executor-plugin-slurm; } >/dev/null 2>&1 ||
    skip "could not pip-install snakemake and snakemake-executor-plugin-slurm"
fi
echo "setup (packages, venv): $(elapsed) s; $(slurmctld -V), snakemake $("$VENV/bin/snakemake" --version)," \
  "plugin $("$VENV/bin/pip" show snakemake-executor-plugin-slurm 2>/dev/null | sed -n 's/^Version: //p')"

# --- a single-node Slurm, all state under $T ------------------------------------------------
T=$(mktemp -d /tmp/phenoscope-slurm.XXXXXX)
ETC_CONF=/etc/slurm/slurm.conf
chmod 755 "$T"
mkdir -p "$T"/{munge,spool,state,log,work}
export SLURM_CONF=$T/slurm.conf
stop_all() {
  set +e
  if [ -f "$T/slurmctld.pid" ]; then scancel --full --quiet --user=root 2>/dev/null; fi
  for f in slurmd slurmctld munge/munged; do
    [ -f "$T/$f.pid" ] || continue
    pid=$(cat "$T/$f.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
  if [ -f "$T/etc-slurm.conf.orig" ]; then cp -p "$T/etc-slurm.conf.orig" "$ETC_CONF"
  elif [ -f "$T/etc-slurm.conf.none" ]; then rm -f "$ETC_CONF"; fi
  if [ -n "${SLURM_CHECK_KEEP:-}" ]; then cp -r "$T/work" "$SLURM_CHECK_KEEP"; fi
  rm -rf "$T"
}
trap stop_all EXIT
trap "exit 130" INT
trap "exit 143" TERM

chown munge:munge "$T/munge"
chmod 755 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$T/munge/munge.key"
chmod 400 "$T/munge/munge.key"
runuser -u munge -- /usr/sbin/munged --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed"

H=$(hostname -s)
for port in 6817 6818; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "slurm check: port $port is in use (another Slurm?)" >&2; exit 1; fi
done
# config_overrides: the node is what this file says (memory is not enforced here, only
# scheduled), so the rules' declared memory fits on any test machine.
cat > "$SLURM_CONF" <<CONF
ClusterName=phenoscope-check
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=900
NodeName=$H NodeAddr=127.0.0.1 CPUs=2 RealMemory=16000 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
# Client commands here read $SLURM_CONF; the executor's job steps drop every SLURM_* variable
# before their `srun`, so it finds the configuration only at the standard place.
if [ -e "$ETC_CONF" ]; then cp -p "$ETC_CONF" "$T/etc-slurm.conf.orig"; else touch "$T/etc-slurm.conf.none"; fi
mkdir -p /etc/slurm
cp "$SLURM_CONF" "$ETC_CONF"
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 60); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
  sleep 0.5
done
[ "$(sinfo -h -o %T)" = idle ] || { echo "slurm check: node not idle: $(sinfo 2>&1)" >&2; tail -20 "$T"/log/*.log >&2; exit 1; }
echo "slurm up: $(sinfo -h -o '%P %a %D %T %c cpus %m MB') ($(elapsed) s)"

# --- 1. the Snakefile through the Slurm executor vs one phenoscope run -------------------------
W=$T/work
# The same run name in two runs folders, so even the reports' titles match.
for dir in slurm whole; do
  cat > "$W/$dir.yaml" <<YAML
name: screen
runs_dir: $dir
screen:
  synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 2}
features: {families: [intensity, shape], texture_scales: [3]}
evaluation: {null_size: 50, classifiers: false}
YAML
done
t0=$SECONDS
# The shipped profile; the flags after it only suit this throw-away cluster (no accounting
# database, so no account and job states from squeue; jobs of seconds).
# (A failed job can leave snakemake waiting on its status thread: the timeout ends that.)
timeout --kill-after=10 900 "$VENV/bin/snakemake" -s "$ROOT/workflow/Snakefile" --directory "$W" --profile "$ROOT/workflow/profiles/slurm" \
  --slurm-no-account --slurm-status-command squeue --slurm-init-seconds-before-status-checks 1 --seconds-between-status-checks 2 --latency-wait 5 \
  --config "run_config=$W/slurm.yaml" "phenoscope=$BIN" slurm_partition=debug --quiet rules > "$W/snakemake.log" 2>&1 ||
  { tail -40 "$W/snakemake.log"; find "$W/.snakemake/slurm_logs" -name '*.log' -exec tail -20 {} + 2>/dev/null; exit 1; }
t_slurm=$((SECONDS - t0))
# The jobs Slurm ran (kept by MinJobAge): one per rule instance, with the rule's resources.
scontrol show job -o | awk '{
    delete f; for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = substr($i, length(kv[1]) + 2) }
    print f["Comment"], f["JobState"], "partition=" f["Partition"], "cpus=" f["NumCPUs"], "time=" f["TimeLimit"], "mem=" f["MinMemoryNode"]
  }' \
  | sort > "$W/jobs.txt"
sed 's/^/  slurm job: /' "$W/jobs.txt"
expect_job() {  # rule, count, cpus, time, mem
  local n
  n=$(grep -c "^rule_$1.* COMPLETED partition=debug cpus=$3 time=$4 mem=$5\$" "$W/jobs.txt" || true)
  [ "$n" = "$2" ] || { echo "slurm check: expected $2 completed '$1' job(s) with cpus=$3 time=$4 mem=$5" >&2; exit 1; }
}
expect_job prepare 1 1 00:30:00 2000M
expect_job plate 2 2 02:00:00 4000M
expect_job screen 1 2 02:00:00 8000M
t0=$SECONDS
"$BIN" run "$W/whole.yaml" --quiet > /dev/null
t_whole=$((SECONDS - t0))
# Every file of the two run folders but two: the resolved config (it names its runs_dir) and
# the SQLite catalog of the inputs (its file bytes are not a result).
diff -r -q --exclude=config.yaml --exclude=catalog.sqlite "$W/whole/screen" "$W/slurm/screen" >&2 ||
  { echo "slurm check: the Slurm run differs from phenoscope run (files above)" >&2; exit 1; }
compared=$(cd "$W/whole/screen" && find . -type f ! -name config.yaml ! -name catalog.sqlite | wc -l)
echo "snakemake on Slurm: 4 jobs in $t_slurm s; phenoscope run: $t_whole s; $compared files byte-identical" \
  "(profiles, QC, evaluation with figures and report, index; wells_normalized.csv:" \
  "$(($(wc -l < "$W/whole/screen/profiles/wells_normalized.csv") - 1)) wells)"

# --- 2. a 2-rank training step under Slurm vs mpirun here ----------------------------------------
"$BIN" synth --out "$W/train-screen" --plates 1 --sites 1 --width 96 --height 96 --seed 3 --quiet > /dev/null
"$BIN" crops "$W/train-screen/manifest.csv" --masks "$W/train-screen/ground_truth/masks.csv" \
  --out "$W/crops" --size 16 --quiet > /dev/null 2> "$W/crops.log" || { cat "$W/crops.log"; exit 1; }
# SGD, one epoch of 16-cell global batches, ViT (LayerNorm): ranks split every batch and
# average gradients, so 2 ranks match one process up to rounding.
cat > "$W/train.yaml" <<YAML
runs_dir: runs
crops: crops
method: supervised
arch: vit-tiny
patch_size: 8
batch_size: 16
epochs: 1
optimizer: sgd
lr: 0.05
clip_grad: 1
validation_fraction: 0.3
eval_every: 0
checkpoint_every: 1
threads: 1
seed: 0
YAML
t0=$SECONDS
srun --mpi=pmix -n 2 --cpus-per-task=1 "$BIN" train "$W/train.yaml" --name srun2 --quiet > /dev/null 2> "$W/srun.log" ||
  { cat "$W/srun.log"; exit 1; }
t_srun=$((SECONDS - t0))
# mpirun inside an allocation: Open MPI takes hosts and slots from Slurm (on other nodes it
# would start its daemons with srun; on this one node all ranks are its own children).
t0=$SECONDS
timeout --kill-after=10 600 salloc -n 2 --cpus-per-task=1 mpirun --allow-run-as-root -np 2 "$BIN" train "$W/train.yaml" --name salloc2 --quiet \
  > /dev/null 2> "$W/salloc.log" || { cat "$W/salloc.log"; exit 1; }
t_salloc=$((SECONDS - t0))
t0=$SECONDS
env -u SLURM_CONF mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN" train "$W/train.yaml" --name mpirun2 --quiet > /dev/null
t_mpirun=$((SECONDS - t0))
"$BIN" train "$W/train.yaml" --name single --quiet > /dev/null
cmp "$W/runs/srun2/backbone.safetensors" "$W/runs/mpirun2/backbone.safetensors" ||
  { echo "slurm check: srun weights differ from mpirun's" >&2; exit 1; }
cmp "$W/runs/salloc2/backbone.safetensors" "$W/runs/mpirun2/backbone.safetensors" ||
  { echo "slurm check: weights of mpirun inside salloc differ from mpirun's" >&2; exit 1; }
"$VENV/bin/python" - "$W/runs" <<'PY'
import json, struct, sys, array
runs = sys.argv[1]
def losses(name):
    rows = [json.loads(l) for l in open(f"{runs}/{name}/metrics.jsonl") if l.strip()]
    return [(r.get("step"), r["loss"]) for r in rows if "loss" in r]
def weights(name):
    with open(f"{runs}/{name}/backbone.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__": continue
        assert v["dtype"] == "F32", (k, v["dtype"])
        a, b = v["data_offsets"]
        out[k] = array.array("f", body[a:b])
    return out
s, m, one = losses("srun2"), losses("mpirun2"), losses("single")
if not s or s != m:
    sys.exit(f"slurm check: srun losses {s} differ from mpirun's {m}")
w2, w1 = weights("srun2"), weights("single")
assert w2.keys() == w1.keys()
worst = max(abs(a - b) / max(1.0, abs(b)) for k in w1 for a, b in zip(w2[k], w1[k]))
# Two ranks sum each batch's gradients in another order than one process, so some weight
# differs in its last bits: equal bytes would mean srun started 2 separate single processes.
if worst == 0:
    sys.exit("slurm check: srun weights equal one process's bit for bit; did srun start one MPI job of 2 ranks?")
if worst >= 1e-5:
    sys.exit(f"slurm check: 2 ranks differ from one process by {worst:.2e} (relative)")
print(f"training: {len(s)} steps, losses {' '.join(f'{l:.6f}' for _, l in s)} equal under srun and mpirun;"
      f" {sum(len(v) for v in w2.values())} weights byte-identical; max rel. diff to one process {worst:.1e}")
PY
echo "srun -n 2: $t_srun s, mpirun -np 2 inside salloc -n 2: $t_salloc s, mpirun -np 2 without Slurm: $t_mpirun s (weights of all three byte-identical)"
echo "slurm check: OK in $(elapsed) s (Snakefile on Slurm = phenoscope run; srun 2-rank training = mpirun's)"
