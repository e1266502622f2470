#!/usr/bin/env bash
# Integration test: a sharded phbsim run on a real (one-node) Slurm cluster gives
# the same outputs as one machine.
#
#   bash scripts/slurm-test.sh                 # the full test
#   bash scripts/slurm-test.sh --cluster-only  # only prove the cluster: an 8-task
#                                              # --wrap array and an afterok job
#
# What it does:
#   1. installs Debian's slurmctld, slurmd, slurm-client and munge if missing;
#   2. starts munged, slurmctld and slurmd from a temporary directory (its own
#      slurm.conf, key, sockets, state, logs and ports: the system's config, if
#      any, is never read or touched);
#   3. submits scripts/slurm/phbsim-shards.sbatch as an 8-task array on the
#      built-in example (--shard auto/8) and scripts/slurm/phbsim-merge.sbatch
#      with --dependency=afterok on it, as docs/cluster.md tells users to;
#   4. runs the same scenario on one machine and compares months.csv,
#      summary.csv, years.csv, compare.csv and results.xlsx byte for byte.
# Every daemon it started is stopped and the temporary directory removed on the
# way out, whether the test passed, failed or was interrupted.
#
# Environment:
#   PHBSIM                 phbsim binary [default: $CARGO_TARGET_DIR/release/phbsim
#                          (target/release/phbsim), built with cargo if missing]
#   SLURM_TEST_ITERATIONS  iterations [default: 2000, several 256-iteration blocks]
#   SLURM_TEST_TIMEOUT     seconds to wait for the cluster, then for the jobs [180]
#   SLURM_TEST_KEEP=1      keep the temporary directory (its path is printed)
#
# Needs root: it installs packages and runs the daemons as root (SlurmUser=root),
# which is what a throwaway one-node cluster on a CI machine wants.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

mode=full
case "${1:-}" in
    "") ;;
    --cluster-only) mode=cluster ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: $0 [--cluster-only]" >&2
        exit 2
        ;;
esac

shards=8
iterations="${SLURM_TEST_ITERATIONS:-2000}"
timeout="${SLURM_TEST_TIMEOUT:-180}"
keep="${SLURM_TEST_KEEP:-0}" # read now: every SLURM_* variable is unset below
started=$SECONDS

say() { echo "== [$((SECONDS - started)) s] $*"; }

# ---------------------------------------------------------------- cleanup

tmp=""
daemon_pids=()  # munged, slurmctld, slurmd: all run in the foreground (-F/-D)
jobs_submitted=()
result_line=""  # set just before a successful exit

stop_pid() {
    # TERM, up to 10 s for a clean exit, then KILL. Only ever a PID we started.
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT HUP INT TERM
    trap '' PIPE
    cd / # so that no process of ours keeps a working directory in $tmp
    if [ ${#jobs_submitted[@]} -gt 0 ] && [ -n "$tmp" ]; then
        # Cancel our jobs while slurmctld and slurmd are still up to end them.
        scancel "${jobs_submitted[@]}" 2>/dev/null
        for _ in $(seq 1 25); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    # Stop the daemons in reverse order of start: slurmd, slurmctld, munged.
    [ ${#daemon_pids[@]} -gt 0 ] && say "stopping the daemons"
    local i
    for ((i = ${#daemon_pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${daemon_pids[i]}"
    done
    if [ -n "$tmp" ]; then
        # Last resort for a job step that outlived slurmd (a slurmstepd or the job's
        # processes): every process of this test has its working directory in $tmp.
        local p cwd
        for p in /proc/[0-9]*; do
            cwd="$(readlink "$p/cwd" 2>/dev/null)" || continue
            case "$cwd" in
                "$tmp" | "$tmp"/*) [ "${p#/proc/}" != "$$" ] && kill -KILL "${p#/proc/}" 2>/dev/null ;;
            esac
        done
        if [ "$keep" = 1 ]; then
            echo "kept $tmp"
        else
            rm -rf "$tmp"
        fi
    fi
    local took=$((SECONDS - started))
    if [ "$status" -eq 0 ] && [ -n "$result_line" ]; then
        echo "slurm-test: PASS ($result_line, ${took} s)"
    else
        [ "$status" -eq 0 ] && status=1
        local why="see the messages above"
        [ "$status" -ge 128 ] && why="interrupted"
        echo "slurm-test: FAIL (exit $status after ${took} s; $why)"
    fi
    exit "$status"
}
# A signal would end bash without running the EXIT trap: turn each into an exit.
# SIGPIPE too (output piped into `head`), ignored from then on so that cleanup's
# own messages cannot stop it half way.
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'trap "" PIPE; exit 141' PIPE
trap 'exit 143' TERM

die() {
    echo "ERROR: $*" >&2
    exit 1
}

show_logs() {
    # The daemons' logs (last $1 lines each), for a cluster that will not come up or
    # a job that failed. A daemon's stderr (.out) only when its log file is empty:
    # it failed before opening it.
    local lines="${1:-40}" name f
    for name in munged slurmctld slurmd; do
        f="$tmp/log/$name.log"
        [ -s "$f" ] || f="$tmp/log/$name.out"
        [ -s "$f" ] || continue
        echo "---- $f (last $lines lines)" >&2
        tail -n "$lines" "$f" >&2
    done
}

# ---------------------------------------------------------------- packages

if [ "$(id -u)" -ne 0 ]; then
    die "run as root: this test installs Debian packages and runs slurmctld, slurmd and munged as root"
fi

missing=()
for cmd in munged:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client; do
    command -v "${cmd%%:*}" >/dev/null 2>&1 || missing+=("${cmd#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages)"
    # Without recommends: no mail server or other extras. On a machine with systemd
    # the packages enable their own services; this test never uses them. apt's
    # chatter (services it may not start here) is shown only if the install fails.
    apt_log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        die "could not install ${missing[*]} with apt-get"
    fi
    rm -f "$apt_log"
fi
slurm_version="$(slurmctld -V | awk '{print $2}')"
# The exact Debian package versions, for the log of a run that fails one day.
say "packages: $(dpkg-query -W -f '${Package} ${Version}, ' slurmctld slurmd slurm-client munge 2>/dev/null | sed 's/, $//')"

# ---------------------------------------------------------------- phbsim

if [ "$mode" = full ]; then
    if [ -z "${PHBSIM:-}" ]; then
        PHBSIM="${CARGO_TARGET_DIR:-target}/release/phbsim"
        case "$PHBSIM" in /*) ;; *) PHBSIM="$repo/$PHBSIM" ;; esac
        if [ ! -x "$PHBSIM" ]; then
            say "building phbsim (release)"
            cargo build --release --locked --quiet
        fi
    fi
    # An absolute path: the jobs run in another working directory.
    case "$PHBSIM" in /*) ;; *) PHBSIM="$repo/$PHBSIM" ;; esac
    [ -x "$PHBSIM" ] || die "PHBSIM=$PHBSIM is not an executable"
    # A binary built before sharding existed would fail inside the jobs with a less
    # clear message: catch it here.
    if ! "$PHBSIM" run --help | grep -q -- '--shard' || ! "$PHBSIM" merge --help >/dev/null 2>&1; then
        die "$PHBSIM has no 'run --shard' or 'merge': rebuild it (cargo build --release)"
    fi
    export PHBSIM
fi

# ---------------------------------------------------------------- the cluster

tmp="$(mktemp -d /tmp/phbsim-slurm.XXXXXX)"
chmod 0755 "$tmp" # munged wants its socket's directories searchable by all
mkdir -p "$tmp"/{etc,munge,state,spool,run,log,work}

# Any SLURM_* variable from the caller (say, this test run inside a real Slurm job)
# would point the clients at another cluster or leak into the jobs.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^SLURM_' || true)
export SLURM_CONF="$tmp/etc/slurm.conf"

# Two free TCP ports on 127.0.0.1, away from Slurm's defaults (6817/6818) so that a
# real slurmctld or slurmd on the same machine is never in the way.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=""
for p in $(seq 16817 2 16899); do
    if ! port_in_use "$p" && ! port_in_use $((p + 1)); then
        ctld_port=$p
        break
    fi
done
[ -n "$ctld_port" ] || die "no two free ports between 16817 and 16900 on 127.0.0.1"
slurmd_port=$((ctld_port + 1))

# The node as slurmd itself detects it (CPUs, sockets, cores, threads,
# RealMemory): a node configured with more than it has would be drained.
node_hw="$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')"

cat >"$SLURM_CONF" <<EOF
# A throwaway one-node cluster for scripts/slurm-test.sh; everything under $tmp.
ClusterName=phbsimtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# No cgroups (none may be writable in a container) and no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# One CPU per task by default, so several array tasks run side by side.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin  # plain FIFO: nothing here to backfill
# A node that was down (a slow start) comes back by itself.
ReturnToService=2
# Finished jobs stay visible to scontrol (there is no sacct without accounting).
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost $node_hw State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

say "starting munged, slurmctld, slurmd (config: $SLURM_CONF)"
# munge's key: a fresh random one, readable by root only, as munged requires.
mungekey --create --keyfile="$tmp/munge/munge.key" >/dev/null
chmod 0400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" \
    --socket="$tmp/munge/munge.socket" --log-file="$tmp/log/munged.log" \
    --pid-file="$tmp/run/munged.pid" --seed-file="$tmp/munge/munged.seed" \
    >>"$tmp/log/munged.out" 2>&1 &
daemon_pids+=($!)
for _ in $(seq 1 50); do
    [ -S "$tmp/munge/munge.socket" ] && break
    sleep 0.2
done
if ! munge -n -S "$tmp/munge/munge.socket" | unmunge -S "$tmp/munge/munge.socket" >/dev/null 2>&1; then
    show_logs
    die "munged did not start (a credential could not be made and checked)"
fi

# -D: stay in the foreground, so that $! is the daemon and the trap can stop it.
# -i: ignore a missing state file (this cluster has never run before).
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
daemon_pids+=($!)
# -N localhost: this machine is node "localhost", whatever its host name.
slurmd -D -N localhost -f "$SLURM_CONF" >>"$tmp/log/slurmd.out" 2>&1 &
daemon_pids+=($!)

# Wait until the node is idle, i.e. slurmctld is up, slurmd registered, and a job
# would start. Fail early if a daemon died.
deadline=$((SECONDS + timeout))
state=""
while :; do
    state="$(sinfo -h -N -n localhost -o %T 2>/dev/null || true)"
    [ "$state" = idle ] && break
    for pid in "${daemon_pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_logs
            die "a daemon (pid $pid) exited while the cluster was starting"
        fi
    done
    if [ $SECONDS -ge $deadline ]; then
        show_logs
        sinfo -N -l >&2 || true
        die "node not idle after ${timeout} s (state: '${state:-no answer from slurmctld}')"
    fi
    sleep 1
done
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# ---------------------------------------------------------------- the jobs

work="$tmp/work"
cd "$work"

# One line per job or array task: id, state, why, exit code.
job_table() {
    scontrol -o show job "$1" |
        grep -o -E '^JobId=[^ ]+|ArrayTaskId=[^ ]+|JobState=[^ ]+|Reason=[^ ]+|ExitCode=[^ ]+' |
        paste -s -d ' ' | sed 's/ JobId=/\nJobId=/g' >&2 || true
}

# Wait for job $1 to end, then check its state (and for an array, every task's).
job_states() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | tr -s ' \n' ' '; }
wait_for_job() {
    local id="$1" what="$2" states
    while :; do
        states="$(job_states "$id")"
        case "$states" in
            *PENDING* | *RUNNING* | *CONFIGURING* | *COMPLETING* | *REQUEUE* | *SUSPENDED*) ;;
            "") die "slurmctld no longer knows job $id ($what)" ;;
            *) break ;;
        esac
        if [ $SECONDS -ge $deadline ]; then
            job_table "$id"
            die "$what (job $id) not done after ${timeout} s: $states"
        fi
        sleep 1
    done
    if [ "$(echo "$states" | sed 's/[0-9 ]*COMPLETED//g; s/ //g')" != "" ]; then
        # The tasks, then what the jobs printed (only a failed task prints anything:
        # the job scripts run phbsim with -q).
        job_table "$id"
        for f in "$work"/logs/*; do
            [ -s "$f" ] && { echo "---- $f" >&2; cat "$f" >&2; }
        done
        show_logs 15
        die "$what (job $id) did not complete:$states"
    fi
    echo "   $what (job $id):$states"
}

mkdir -p logs
deadline=$((SECONDS + timeout))
if [ "$mode" = cluster ]; then
    say "submitting an 8-task --wrap array and an afterok job"
    # shellcheck disable=SC2016 # expanded by the job's shell, not this one
    array_id="$(sbatch --parsable --array=0-$((shards - 1)) --job-name=wrap-array \
        --output="$work/logs/wrap-%a.out" \
        --wrap 'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT on $(hostname)" > "done-$SLURM_ARRAY_TASK_ID"')"
    jobs_submitted+=("$array_id")
    after_id="$(sbatch --parsable --dependency="afterok:$array_id" --job-name=wrap-after \
        --output="$work/logs/after.out" \
        --wrap 'ls done-* | wc -l > count')"
    jobs_submitted+=("$after_id")
    wait_for_job "$after_id" "afterok job"
    wait_for_job "$array_id" "array"
    [ "$(cat count)" = "$shards" ] || die "the afterok job saw $(cat count) of $shards task files"
    result_line="Slurm $slurm_version: $shards-task array + afterok job ran"
    exit 0
fi

say "submitting $shards shards of the built-in example (-n $iterations) and the merge"
# The job scripts of docs/cluster.md, as a user would submit them; only the log
# paths and the CPUs per task are overridden for this 2-CPU machine.
array_id="$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 \
    --output="$work/logs/shard-%a.out" \
    "$repo/scripts/slurm/phbsim-shards.sbatch" "$work/parts" -n "$iterations")"
jobs_submitted+=("$array_id")
merge_id="$(sbatch --parsable --dependency="afterok:$array_id" --cpus-per-task=1 \
    --output="$work/logs/merge.out" \
    "$repo/scripts/slurm/phbsim-merge.sbatch" "$work/parts" "$work/merged")"
jobs_submitted+=("$merge_id")
wait_for_job "$array_id" "shard array"
wait_for_job "$merge_id" "merge job"

# Exactly the N part files, one per shard.
for ((k = 0; k < shards; k++)); do
    part="$(printf 'part-%04d-of-%04d.phbpart' "$k" "$shards")"
    [ -s "$work/parts/$part" ] || die "missing part file $part"
done
count="$(find "$work/parts" -maxdepth 1 -name '*.phbpart' | wc -l)"
[ "$count" -eq "$shards" ] || die "$count part files, expected $shards"

say "the same run on one machine"
"$PHBSIM" run -n "$iterations" -o "$work/single" -q

say "comparing outputs byte for byte"
compared=()
for f in months.csv summary.csv years.csv compare.csv results.xlsx; do
    if [ ! -e "$work/single/$f" ] && [ ! -e "$work/merged/$f" ]; then
        continue
    fi
    [ -e "$work/single/$f" ] || die "merge wrote $f, one machine did not"
    [ -e "$work/merged/$f" ] || die "one machine wrote $f, merge did not"
    if ! cmp "$work/single/$f" "$work/merged/$f"; then
        diff -u "$work/single/$f" "$work/merged/$f" | head -n 20 >&2 || true
        die "$f differs between the merged shards and one machine"
    fi
    compared+=("$f")
done
[ -e "$work/merged/manifest.json" ] || die "merge wrote no manifest.json"

result_line="Slurm $slurm_version: $shards shards + merge, ${compared[*]} identical to one machine"
