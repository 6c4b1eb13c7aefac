"""tools/make_sonata_example.py: writes a small SONATA circuit the way bmtk lays one out, with
h5py (configs/sonata_example/, read by configs/sonata_example.cfg).

  python3 tools/make_sonata_example.py DIR [N_EXC N_INH [SEED [P]]]

An E/I network after CUBA (configs/cuba.cfg) in NEST's terms: node populations "exc" and
"inh" of nest:iaf_psc_exp neurons (CUBA's parameters; its voltage jumps as currents,
w * C_m / tau_m), random connections with p = 0.08 (CUBA's in-degrees, 64 and 16, at a quarter of its size: 800
and 200 neurons). The excitatory edge populations
carry per-edge syn_weight and delay; the inhibitory ones leave them to edge_types.csv (per-type
values), so both of SONATA's ways are shown. Files under DIR:

  circuit_config.json      manifest ($BASE_DIR, $NETWORK_DIR, $COMPONENTS_DIR), components,
                           networks.nodes and networks.edges
  network/nodes.h5         /nodes/exc, /nodes/inh: node_type_id, node_id, node_group_id,
                           node_group_index, group 0
  network/node_types.csv   node_type_id model_type model_template dynamics_params pop_name
  network/edges.h5         /edges/<src>_to_<tgt>: source_node_id, target_node_id (attribute
                           node_population), edge_type_id, edge_group_id, edge_group_index,
                           0/syn_weight and 0/delay where per edge
  network/edge_types.csv   edge_type_id model_template syn_weight delay
  components/point_neuron_models/{exc,inh}.json   NEST parameters (dynamics_params)

tests/sonata_circuit.py builds its circuits with these functions too.
"""
import json
import os
import sys

import h5py
import numpy as np

# CUBA (configs/include/cuba_lif.cfg) as nest:iaf_psc_exp; V_m the initial potential
CUBA = {"C_m": 250.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0,
        "t_ref": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0}
W_EXC = 1.62 * 250.0 / 20.0   # pA: CUBA's 1.62 mV jump
W_INH = -9.0 * 250.0 / 20.0   # pA: CUBA's -9 mV jump


def make_network(n_exc, n_inh, seed, p=0.08):
    """Populations and edge populations as plain arrays: per-edge weights and delays for the
    excitatory ones, per-type (None) for the inhibitory ones."""
    rng = np.random.default_rng(seed)
    pops = [("exc", n_exc, 0, dict(CUBA, V_m=-55.0)), ("inh", n_inh, 1, dict(CUBA, V_m=-57.0))]
    sizes = {"exc": n_exc, "inh": n_inh}
    edges = []
    for src in ("exc", "inh"):
        for tgt in ("exc", "inh"):
            mask = rng.random((sizes[src], sizes[tgt])) < p
            s, t = np.nonzero(mask)  # by source, then target
            if src == "exc":
                w = W_EXC * rng.uniform(0.5, 1.5, len(s))
                d = np.round(rng.uniform(0.1, 2.0, len(s)), 1)
                edges.append((src + "_to_" + tgt, src, tgt, s, t, 100, w, d))
            else:
                edges.append((src + "_to_" + tgt, src, tgt, s, t, 101, None, None))
    edge_types = [(100, None, None), (101, W_INH, 0.8)]  # id, syn_weight, delay (ms)
    return {"pops": pops, "edges": edges, "edge_types": edge_types}


def write_nodes(path, pops):
    with h5py.File(path, "w") as h5:
        h5.attrs["magic"] = np.uint32(0x0A7A)
        h5.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for name, n, type_id, _ in pops:
            g = h5.create_group("nodes/" + name)
            g.create_dataset("node_id", data=np.arange(n, dtype=np.uint64))
            g.create_dataset("node_type_id", data=np.full(n, type_id, dtype=np.uint64))
            g.create_dataset("node_group_id", data=np.zeros(n, dtype=np.uint32))
            g.create_dataset("node_group_index", data=np.arange(n, dtype=np.uint64))
            g.create_group("0")


def write_edges(path, edges):
    with h5py.File(path, "w") as h5:
        h5.attrs["magic"] = np.uint32(0x0A7A)
        h5.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for name, src, tgt, s, t, type_id, w, d in edges:
            g = h5.create_group("edges/" + name)
            z = {"compression": "gzip"} if len(s) else {}
            g.create_dataset("source_node_id", data=s.astype(np.uint64), **z)
            g["source_node_id"].attrs["node_population"] = src
            g.create_dataset("target_node_id", data=t.astype(np.uint64), **z)
            g["target_node_id"].attrs["node_population"] = tgt
            g.create_dataset("edge_type_id", data=np.full(len(s), type_id, dtype=np.uint32), **z)
            g.create_dataset("edge_group_id", data=np.zeros(len(s), dtype=np.uint32), **z)
            g.create_dataset("edge_group_index", data=np.arange(len(s), dtype=np.uint64), **z)
            g0 = g.create_group("0")
            if w is not None:
                g0.create_dataset("syn_weight", data=np.asarray(w, dtype=np.float64), **z)
            if d is not None:
                g0.create_dataset("delay", data=np.asarray(d, dtype=np.float64), **z)


def cell(x):
    return "NULL" if x is None else repr(float(x))


def write_circuit(folder, net):
    """The circuit of net under folder, laid out as bmtk does; returns the config's path."""
    for sub in ("network", "components/point_neuron_models"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    write_nodes(os.path.join(folder, "network/nodes.h5"), net["pops"])
    write_edges(os.path.join(folder, "network/edges.h5"), net["edges"])
    with open(os.path.join(folder, "network/node_types.csv"), "w") as f:
        f.write("node_type_id model_type model_template dynamics_params pop_name\n")
        for name, _, type_id, params in net["pops"]:
            f.write("%d point_neuron nest:iaf_psc_exp %s.json %s\n" % (type_id, name, name))
            with open(os.path.join(folder, "components/point_neuron_models", name + ".json"),
                      "w") as p:
                json.dump(params, p, indent=2)
    with open(os.path.join(folder, "network/edge_types.csv"), "w") as f:
        f.write("edge_type_id model_template syn_weight delay\n")
        for type_id, w, d in net["edge_types"]:
            f.write("%d static_synapse %s %s\n" % (type_id, cell(w), cell(d)))
    config = {
        "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network",
                     "$COMPONENTS_DIR": "$BASE_DIR/components"},
        "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models"},
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5",
                       "node_types_file": "$NETWORK_DIR/node_types.csv"}],
            "edges": [{"edges_file": "$NETWORK_DIR/edges.h5",
                       "edge_types_file": "$NETWORK_DIR/edge_types.csv"}],
        },
    }
    path = os.path.join(folder, "circuit_config.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return path


def main(argv):
    if len(argv) not in (2, 4, 5, 6):
        print(__doc__)
        return 2
    n_exc, n_inh = (int(argv[2]), int(argv[3])) if len(argv) >= 4 else (800, 200)
    seed = int(argv[4]) if len(argv) >= 5 else 1
    p = float(argv[5]) if len(argv) == 6 else 0.08
    print(write_circuit(argv[1], make_network(n_exc, n_inh, seed, p)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
