#!/bin/sh
# tests/slurm/start.sh DIR: a single-node Slurm on this machine, loopback only, for tests
# (facts in ecosystem.md: munge, slurmctld, slurmd without systemd or cgroups). Everything lives
# under DIR (made if missing): its own munged socket, slurm.conf, state, spool, logs, and the
# PIDs of the three daemons in DIR/pids, which stop.sh kills. Clients need SLURM_CONF=DIR/slurm.conf.
# Exit status: 0 the node is idle and takes jobs; 3 this machine cannot run it (not root, packages
# missing), with the reason on stderr; 1 a daemon did not start, with its log on stderr.
set -u
DIR=${1:?usage: start.sh DIR}
for b in munged munge slurmctld slurmd sbatch sinfo squeue setpriv; do
  command -v "$b" >/dev/null 2>&1 || { echo "slurm fixture: $b not installed (apt-get install slurm-wlm munge)" >&2; exit 3; }
done
[ "$(id -u)" = 0 ] || { echo "slurm fixture: needs root (SlurmUser=root, munged as user munge)" >&2; exit 3; }
id munge >/dev/null 2>&1 || { echo "slurm fixture: no user munge" >&2; exit 3; }
KEY=/etc/munge/munge.key
[ -r "$KEY" ] || { echo "slurm fixture: no munge key at $KEY" >&2; exit 3; }

mkdir -p "$DIR" && chmod 755 "$DIR" || exit 1
DIR=$(cd "$DIR" && pwd)
M=$DIR/munge
mkdir -p "$M" "$DIR/state" "$DIR/spool" "$DIR/log" && chown munge:munge "$M" && chmod 755 "$M" || exit 1
: > "$DIR/pids"
fail() { echo "slurm fixture: $1" >&2; for f in "$DIR"/log/*.log "$M"/munged.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done; sh "$(dirname "$0")/stop.sh" "$DIR"; exit 1; }

# munged, as user munge, on its own socket
setpriv --reuid=munge --regid=munge --init-groups munged -F --socket="$M/munge.sock" \
  --key-file="$KEY" --pid-file="$M/munged.pid" --seed-file="$M/seed" --log-file="$M/munged.log" >> "$M/munged.out" 2>&1 &
echo $! >> "$DIR/pids"
i=0; until munge -S "$M/munge.sock" -n >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 100 ] && fail "munged did not answer"; sleep 0.05; done

HOST=$(hostname -s)
CPUS=$(nproc)
# ports from the folder name so that two fixtures on one machine do not collide
SUM=$(printf '%s' "$DIR" | cksum | cut -d' ' -f1)
PORT=$((20000 + (SUM % 20000) * 2))
cat > "$DIR/slurm.conf" <<CONF
ClusterName=apicaltest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$M/munge.sock
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
SchedulerType=sched/backfill
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$DIR/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >> "$DIR/log/slurmctld.out" 2>&1 &
echo $! >> "$DIR/pids"
slurmd -D -f "$SLURM_CONF" >> "$DIR/log/slurmd.out" 2>&1 &
echo $! >> "$DIR/pids"
i=0
until sinfo -h -o '%T' 2>/dev/null | grep -qx idle; do
  i=$((i+1)); [ $i -gt 300 ] && fail "the node did not become idle in 30 s"
  for p in $(cat "$DIR/pids"); do kill -0 "$p" 2>/dev/null || fail "a daemon (pid $p) exited"; done
  sleep 0.1
done
echo "slurm fixture: node $HOST idle, ports $PORT-$((PORT+1)), SLURM_CONF=$DIR/slurm.conf" >&2
