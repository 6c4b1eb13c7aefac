#!/bin/sh
# Regenerates the seed corpora fuzz/corpus/NAME/ from configs/ and from small outputs of apical
# itself (spike and trace files of a short run, XOR checkpoints, sweep folders, run
# checkpoints), and writes small IDX files. Run from the tree's root with a built apical and
# `make fuzz-build` done (fuzz_netckpt and fuzz_weights write their own seeds):
#   sh fuzz/seeds.sh [APICAL]          (FUZZ_BUILD: the fuzz build's folder, build-fuzz)
# The seeds are committed; rerun this when a format changes.
set -eu
APICAL=${1:-./apical}
C=fuzz/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rm -rf $C
for d in cfg cfg_learn spikes trace plot idx ckpt netckpt weights sweep sonata circuit; do mkdir -p $C/$d; done

# configs as they are, and with --set lines (fuzz/fuzz.h: "#set PATH=VALUE")
for f in cuba coba hello microcircuit pyramidal sweep_brunel; do cp configs/$f.cfg $C/cfg/; done
for f in xor yinyang_apical fmnist_apical fmnist_bptt yinyang_online; do cp configs/$f.cfg $C/cfg_learn/; done
cp configs/urbanczik_senn.cfg $C/cfg/
{ cat configs/hello.cfg; printf '#set simulation.duration=50.0\n#set populations.exc.size=20\n'
  printf '#set projections.ee.k=5\n#set simulation.seed=7\n'; } > $C/cfg/hello-sets.cfg
{ cat configs/xor.cfg; printf '#set learning.rule="bptt"\n#set learning.batch=2\n'
  printf '#set learning.optimizer.type="sgd"\n'; } > $C/cfg_learn/xor-sets.cfg
# a plastic projection, its weights recorded by count and by pairs
cat > $C/cfg/plastic-weights.cfg <<'CFG'
simulation = { dt = 0.1; duration = 10.0; seed = 1; };
populations = ( { name = "a"; size = 4; model = "lif"; }, { name = "b"; size = 2; model = "lif"; } );
projections = ( { name = "ab"; from = "a"; to = "b"; rule = "all_to_all"; weight = 50.0;
                  plasticity = { rule = "stdp"; w_max = 100.0; }; } );
record = { weights = ( { projection = "ab"; synapses = 3; interval = 2.0; },
                       { projection = "ab"; pairs = ( [0, 1], [3, 0] ); } ); };
CFG
cat > $C/cfg/spike-file.cfg <<'CFG'
simulation = { dt = 0.1; duration = 10.0; seed = 1; };
populations = (
  { name = "in"; size = 4; model = "spike_source"; spike_file = "spikes.csv"; },
  { name = "out"; size = 2; model = "lif"; }
);
projections = ( { name = "p"; from = "in"; to = "out"; rule = "all_to_all"; weight = 50.0; } );
record = { spikes = "all"; };
CFG

# hello.cfg to just after its volley with 10 excitatory cells: spike files (CSV and binary);
# its first 5 ms: a traces file
"$APICAL" run configs/hello.cfg --quiet -o $T/run --set simulation.duration=203.0 \
  --set populations.exc.size=10 --set projections.ee.k=2 --set 'record.spikes="all"' >/dev/null
cp $T/run/spikes.csv $C/spikes/hello.csv
cp $T/run/spikes.bin $C/spikes/hello.bin
"$APICAL" run configs/hello.cfg --quiet -o $T/run5 --set simulation.duration=5.0 >/dev/null
head -c 3000 $T/run5/traces.csv | sed '$d' > $C/trace/hello-head.csv
printf 'timestamps population node_ids\n' > $C/spikes/empty.csv
printf 't_ms,p[0].v,p[1].basal.v\n0.1,-65,-70.5\n0.2,-64.9,-70.25\n' > $C/trace/small.csv
cp $C/spikes/* $C/trace/* $C/plot/   # apical plot draws either
# a weights file: a pair recorded twice (a multapse), two projections
printf 't_ms,projection,source,target,weight\n0.0,ee,1,2,0\n0.0,ee,1,2,0\n0.0,ie,0,0,-5\n5.0,ee,1,2,10\n5.0,ee,1,2,9.75\n5.0,ie,0,0,-7.5\n' > $C/plot/weights.csv
printf 'samples,epoch,accuracy\n200,0.2,48.5\n400,0.4,57.5\n600,0.6,61.5\n700,0.7,60\n' > $C/plot/learning.csv

# IDX: plain and gzip, one to four dimensions
python3 - $C/idx <<'PY'
import gzip, struct, sys
d = sys.argv[1]
def idx(dims):
    n = 1
    for x in dims: n *= x
    return bytes([0, 0, 8, len(dims)]) + b''.join(struct.pack('>I', x) for x in dims) + \
        bytes(i % 251 for i in range(n))
for name, dims in [('labels', [6]), ('images', [3, 4, 4]), ('cube', [2, 2, 2, 2])]:
    open(f'{d}/{name}.idx', 'wb').write(idx(dims))
    open(f'{d}/{name}.idx.gz', 'wb').write(gzip.compress(idx(dims), mtime=0))
PY

# XOR checkpoints with one epoch (fuzz/fuzz_ckpt.c: the same config and --set), Adam and SGD
"$APICAL" train configs/xor.cfg --quiet --epochs 1 --threads 1 -o $T/ck >/dev/null
cp $T/ck/checkpoint.bin $C/ckpt/xor-adam-1.bin
"$APICAL" train configs/xor.cfg --quiet --epochs 1 --threads 1 -o $T/ck2 \
  --set 'learning.optimizer.type="sgd"' >/dev/null
cp $T/ck2/checkpoint.bin $C/ckpt/xor-sgd-1.bin

# run checkpoints of fuzz_netckpt's network: before the first step, mid-run, at the end
FUZZ_NETCKPT_SEEDS=$C/netckpt "${FUZZ_BUILD:-build-fuzz}/fuzz_netckpt" >/dev/null 2>&1

# weights files: two projections, one of no synapses, none at all
FUZZ_WEIGHTS_SEEDS=$C/weights "${FUZZ_BUILD:-build-fuzz}/fuzz_weights" >/dev/null 2>&1

# sweep folders packed as fuzz/fuzz_sweep.c reads them: sweep.json, then "@@ P NAME" parts
pack() { # OUT FILE
  cat "$1/sweep.json"
  for p in "$1"/points/*; do
    n=$(basename "$p" | sed 's/^0*\([0-9]\)/\1/')
    for f in done failed summary; do
      [ -f "$p/$f.json" ] && { printf '@@ %s %s\n' "$n" "$f"; cat "$p/$f.json"; }
    done
  done
  return 0
}
short='--set simulation.duration=20.0 --set populations.exc.size=10 --quiet'
short="$short --set projections.ee.k=2"
"$APICAL" sweep configs/hello.cfg $short -o $T/s1 --grid simulation.seed=1,2 >/dev/null 2>&1
pack $T/s1 > $C/sweep/line.txt
"$APICAL" sweep configs/hello.cfg $short -o $T/s2 --grid simulation.seed=1,2 \
  --grid stimuli.background.rate=log:1000:8000:2 >/dev/null 2>&1
pack $T/s2 > $C/sweep/grid.txt
"$APICAL" sweep configs/hello.cfg $short -o $T/s3 --samples 3 \
  --grid stimuli.background.rate=uniform:1000:8000 --grid simulation.seed=1,2 >/dev/null 2>&1
pack $T/s3 > $C/sweep/samples.txt
"$APICAL" sweep configs/hello.cfg $short -o $T/s4 --grid simulation.seed=1,2 \
  --zip stimuli.drive_inh.amplitude=100.0,200.0 >/dev/null 2>&1
pack $T/s4 > $C/sweep/zip.txt
{ cat $T/s1/sweep.json; printf '@@ 0 failed\n{"exit_status": 2, "stderr_tail": "apical: x\\n"}\n'
  printf '@@ 1 done\n{}\n@@ 1 summary\n'; cat $T/s1/points/00001/summary.json
} > $C/sweep/failed.txt
# fuzz_sonata's recipes (fuzz/fuzz_sonata.c, one byte per choice): one population of float64
# times and uint64 ids; two populations of other element types; SONATA's layout before
# populations (datasets right under /spikes)
printf '\001\002\000\001\005\004\005' > $C/sonata/one-pop.bin
printf '\003\002\000\001\005\000\000\000\000\000\000\360\077\000\000\000\000\000\000\000\100\004\002\001\000\000\000\000\000\000\000\002\000\000\000\000\000\000\000\001\005\001\002\001\002\000\000\200\077\000\000\000\100\005\002\007\000\000\000\011\000\000\000' > $C/sonata/two-pops.bin
printf '\001\001\003\005\001\003' > $C/sonata/old-layout.bin
# fuzz_circuit's circuits (fuzz/fuzz_circuit.c: circuit_config.json, then "@@ NAME" parts)
# around the harness's own HDF5 files: NEST templates with manifest variables, both node and
# both edge files (per-edge and per-type values, receptors by column and by sign, lif_cond);
# apical templates with init; nodes only; type tables with quotes, tabs and NULL
cat > $C/circuit/nest-full.txt <<'EOF'
{
  "manifest": { "$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network",
                "$COMPONENTS_DIR": "$BASE_DIR/components" },
  "components": { "point_neuron_models_dir": "$COMPONENTS_DIR" },
  "networks": {
    "nodes": [ { "nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv" },
               { "nodes_file": "$NETWORK_DIR/nodes_cond.h5", "node_types_file": "$NETWORK_DIR/node_types.csv" } ],
    "edges": [ { "edges_file": "$NETWORK_DIR/edges.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv" },
               { "edges_file": "$NETWORK_DIR/edges_cond.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv" } ]
  }
}
@@ node_types.csv
node_type_id model_type model_template dynamics_params pop_name
0 point_neuron nest:iaf_psc_exp exc.json exc
1 point_neuron nest:iaf_psc_exp inh.json inh
2 point_neuron nest:iaf_cond_exp cond.json cnd
@@ edge_types.csv
edge_type_id model_template syn_weight delay receptor
100 static_synapse NULL 0.5 NULL
101 static_synapse -50.0 0.8 NULL
102 nest:static_synapse NULL 1.0 ex
103 static_synapse NULL 0.2 NULL
104 static_synapse 3.0 1.0 in
@@ exc.json
{ "C_m": 250.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
  "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0, "V_m": -55.0 }
@@ inh.json
{ "C_m": 250.0, "tau_m": 20.0, "V_m": -57.0 }
@@ cond.json
{ "C_m": 200.0, "g_L": 10.0, "E_ex": 0.0, "E_in": -80.0, "V_th": -50.0, "V_reset": -60.0,
  "t_ref": 2.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0, "V_m": -65.0 }
EOF
cat > $C/circuit/apical-init.txt <<'EOF'
{ "networks": {
    "nodes": [ { "nodes_file": "network/nodes.h5", "node_types_file": "network/node_types.csv" } ],
    "edges": [ { "edges_file": "network/edges.h5", "edge_types_file": "network/edge_types.csv" } ] },
  "components": { "point_neuron_models_dir": "components" } }
@@ node_types.csv
node_type_id	model_type	model_template	dynamics_params
0	point_neuron	apical:lif	"exc.json"
1	point_process	lif	inh.json
@@ edge_types.csv
edge_type_id syn_weight delay
100 NULL 0.5
101 -20 0.3
102 5 0.1
@@ exc.json
{ "synapse": "voltage", "tau_m": 20.0, "e_l": -49.0, "v_th": -50.0, "v_reset": -60.0,
  "t_ref": 5.0, "init": { "v": { "dist": "uniform", "low": -60.0, "high": -50.0 } } }
@@ inh.json
{ "tau_m": 10.0, "init": { "v": { "dist": "normal", "mean": -55.0, "std": 2.0 } } }
EOF
cat > $C/circuit/nodes-only.txt <<'EOF'
{ "manifest": { "$N": "network" },
  "networks": { "nodes": [ { "nodes_file": "$N/nodes_cond.h5", "node_types_file": "$N/node_types.csv" } ] } }
@@ node_types.csv
node_type_id model_template
2 nest:iaf_cond_exp
EOF
cat > $C/circuit/quoted-tables.txt <<'EOF'
{ "networks": {
    "nodes": [ { "nodes_file": "network/nodes.h5", "node_types_file": "network/node_types.csv" } ],
    "edges": [ { "edges_file": "network/edges.h5", "edge_types_file": "network/edge_types.csv" } ] } }
@@ node_types.csv
"node_type_id" model_type "model_template" dynamics_params "pop ""name"""
0 NULL nest:iaf_psc_exp NULL "a b"
1 point_neuron "nest:iaf_psc_exp" NULL ""
@@ edge_types.csv
edge_type_id	syn_weight	delay	receptor

100	NULL	1e0	NULL
101	-1.5e1	"0.8"	in
102	+2	1.0	"ex"
EOF
ls -l $C/* | awk '$5 > 8192 { print "seeds: large seed " $NF ": " $5 " bytes" }'
echo "seeds: $(ls $C/*/* | wc -l) files in $C"
