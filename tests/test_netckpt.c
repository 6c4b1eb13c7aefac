/* tests/test_netckpt: checkpoints of a running network. Truth: the uninterrupted run. A run
 * stopped at a step, saved, loaded into a network built afresh (with another thread count) and
 * run to the end gives the same spikes, in the same order, the same final state bit for bit and
 * the same counters; a checkpoint of another network, a truncated or a corrupt one is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "io/netckpt.h"
#include "tests/harness.h"

struct hasher {
    volatile sig_atomic_t flag;
    int64_t stop_at;
    uint64_t hash, spikes;
};

static int hash_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct hasher *h = self;
    for (int pi = 0; pi < n->npops; pi++)
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                uint64_t rec[3] = {(uint64_t)step + 1, (uint64_t)pi, ids[a]};
                const unsigned char *b = (const unsigned char *)rec;
                for (size_t i = 0; i < sizeof rec; i++) h->hash = (h->hash ^ b[i]) * 0x100000001b3ULL;
                h->spikes++;
            }
        }
    if (step == h->stop_at) h->flag = 1;
    return 0;
}

/* FNV-1a of every population's state arrays and ISI statistics, and the spike counters. */
static uint64_t state_hash(const struct net *n)
{
    uint64_t x = 0xcbf29ce484222325ULL;
#define MIX(p, bytes)                                                                              \
    do {                                                                                           \
        const unsigned char *b_ = (const unsigned char *)(p);                                      \
        for (size_t i_ = 0; i_ < (bytes); i_++) x = (x ^ b_[i_]) * 0x100000001b3ULL;               \
    } while (0)
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        for (int v = 0; v < p->nstate; v++) MIX(p->state[v], p->n * sizeof(double));
        MIX(p->isi_sum, p->n * sizeof(double));
        MIX(p->isi_sq, p->n * sizeof(double));
        MIX(p->isi_n, p->n * sizeof(uint32_t));
        struct pop_stats st;
        net_pop_stats(n, i, &st);
        MIX(&st.spikes, sizeof st.spikes);
    }
    uint64_t ev = net_events(n);
    MIX(&ev, sizeof ev);
    /* plastic weights, in canonical order (storage order depends on threads) */
    for (int j = 0; j < n->nprojs; j++) {
        if (!n->plast[j]) continue;
        uint64_t *q = malloc(n->projs[j].nsyn * sizeof *q);
        struct err e = {0};
        CU_ASSERT_FATAL(q && !net_proj_order(n, j, q, NULL, NULL, &e));
        for (uint64_t c = 0; c < n->projs[j].nsyn; c++) MIX(&n->projs[j].w[q[c]], sizeof(float));
        free(q);
    }
#undef MIX
    return x;
}

static int load(const char *cfg, int threads, struct net_spec *s, struct net *n, const char *set)
{
    char path[1200], tset[64];
    if (cfg[0] == '/')
        snprintf(path, sizeof path, "%s", cfg);
    else
        snprintf(path, sizeof path, "%s/configs/%s", harness_root(), cfg);
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    const char *sets[] = {tset, set};
    char *resolved = NULL;
    struct err e = {0};
    int rc = cfg_load(path, sets, set ? 2 : 1, s, &resolved, &e);
    free(resolved);
    if (!rc && (rc = net_build(n, s, &e))) spec_free(s);
    if (rc) fprintf(stderr, "%s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
    return rc;
}

/* Uninterrupted, then stopped after `cut` + 1 steps on t1 threads, saved, resumed on t2. */
static void check_resume_set(const char *cfg, const char *set, int reads_state, int64_t cut, int t1,
                             int t2)
{
    struct net_spec s;
    struct net n;
    struct err e = {0};
    struct hasher whole = {0, -1, 0xcbf29ce484222325ULL, 0};
    CU_ASSERT_EQUAL_FATAL(load(cfg, 1, &s, &n, set), 0);
    struct recorder r1 = {hash_step, &whole, reads_state};
    CU_ASSERT_EQUAL(net_run(&n, &r1, 1, NULL, &e), 0);
    uint64_t want_state = state_hash(&n);
    net_free(&n);
    spec_free(&s);

    char ck[1200];
    snprintf(ck, sizeof ck, "%s/ck-%s.bin", harness_tmpdir(), strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg);
    struct hasher part = {0, cut, 0xcbf29ce484222325ULL, 0};
    CU_ASSERT_EQUAL_FATAL(load(cfg, t1, &s, &n, set), 0);
    struct recorder r2 = {hash_step, &part, reads_state};
    CU_ASSERT_EQUAL(net_run(&n, &r2, 1, &part.flag, &e), ERR_INTERRUPTED);
    CU_ASSERT_EQUAL(n.step, cut + 2);
    CU_ASSERT_EQUAL_FATAL(nck_save(&n, ck, "rec", 3, &e), 0);
    net_free(&n);
    spec_free(&s);

    CU_ASSERT_EQUAL_FATAL(load(cfg, t2, &s, &n, set), 0);
    void *extra = NULL;
    size_t elen = 0;
    int rc = nck_load(&n, ck, &extra, &elen, &e);
    if (rc) fprintf(stderr, "\n  %s: %s\n", e.file, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(elen, 3);
    CU_ASSERT(extra && !memcmp(extra, "rec", 3));
    free(extra);
    CU_ASSERT_EQUAL(n.step, cut + 2);
    part.flag = 0;
    part.stop_at = -1;
    CU_ASSERT_EQUAL(net_run(&n, &r2, 1, &part.flag, &e), 0);
    CU_ASSERT_EQUAL(part.spikes, whole.spikes);
    CU_ASSERT_EQUAL(part.hash, whole.hash);
    CU_ASSERT_EQUAL(state_hash(&n), want_state);
    net_free(&n);
    spec_free(&s);
}

static void check_resume(const char *cfg, int reads_state, int64_t cut, int t1, int t2)
{
    check_resume_set(cfg, NULL, reads_state, cut, t1, t2);
}

static void test_resume_cuba(void)
{
    check_resume("cuba.cfg", 0, 0, 1, 2);
    check_resume("cuba.cfg", 1, 2345, 2, 1);
    check_resume("cuba.cfg", 0, 7001, 3, 4);
    check_resume("cuba.cfg", 0, 9997, 4, 3);
}

static void test_resume_sources(void)
{
    check_resume("hello.cfg", 1, 1234, 1, 3);
    check_resume("pyramidal.cfg", 1, 4321, 2, 2);
    check_resume("coba.cfg", 0, 5000, 2, 1);
}

/* Plastic synapses: weights, per-synapse and per-source state and the spike histories go
 * through the checkpoint, for every pairing of stdp. */
static void test_resume_plastic(void)
{
    check_resume_set("cuba.cfg",
                     "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; lambda = 0.05; "
                     "mu_plus = 0.0; mu_minus = 0.0; alpha = 1.05; }",
                     0, 3001, 2, 3);
    check_resume_set("cuba.cfg",
                     "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; lambda = 0.05; "
                     "pairing = \"nearest_symmetric\"; }",
                     1, 4567, 1, 4);
    check_resume_set("cuba.cfg",
                     "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; lambda = 0.05; "
                     "pairing = \"nearest_presynaptic\"; }",
                     0, 9001, 3, 1);
}

/* A rule with on_step (synapses/apical): the synapses' doubles, the per-neuron past of psi
 * and the traces on their way go through the checkpoint too. */
static void test_resume_apical(void)
{
    char cfg[1100];
    snprintf(cfg, sizeof cfg, "%s/tests/apical_circuit.cfg", harness_root());
    check_resume_set(cfg, NULL, 1, 1234, 2, 3); /* mid-window, mid-lag */
    check_resume_set(cfg, NULL, 0, 99, 1, 2);   /* just before a window closes */
}

/* A plastic checkpoint cut anywhere is refused, never read past its end. */
static void test_refused_plastic(void)
{
    const char *set = "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; }";
    struct net_spec s;
    struct net n;
    struct err e = {0};
    char ck[1200], bad[1200];
    snprintf(ck, sizeof ck, "%s/refused-pl.bin", harness_tmpdir());
    snprintf(bad, sizeof bad, "%s/refused-pl-bad.bin", harness_tmpdir());
    const char *sets[] = {"simulation.duration=200", set};
    char path[1200], *resolved = NULL;
    snprintf(path, sizeof path, "%s/configs/cuba.cfg", harness_root());
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, sets, 2, &s, &resolved, &e), 0);
    free(resolved);
    CU_ASSERT_EQUAL_FATAL(net_build(&n, &s, &e), 0);
    CU_ASSERT_EQUAL(net_run(&n, NULL, 0, NULL, &e), 0);
    CU_ASSERT_EQUAL_FATAL(nck_save(&n, ck, NULL, 0, &e), 0);
    net_free(&n);
    size_t len = 0;
    unsigned char *bytes = (unsigned char *)harness_slurp(ck, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    for (size_t cut = 1; cut < len; cut += len / 37 + 1) {
        FILE *f = fopen(bad, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fwrite(bytes, 1, cut, f);
        fclose(f);
        CU_ASSERT_EQUAL_FATAL(net_build(&n, &s, &e), 0);
        void *extra = NULL;
        size_t elen;
        CU_ASSERT_EQUAL(nck_load(&n, bad, &extra, &elen, &e), ERR_INPUT);
        free(extra);
        net_free(&n);
    }
    free(bytes);
    spec_free(&s);
}

/* A checkpoint of cuba.cfg, then loaded into networks that differ, and as broken files. */
static void test_refused(void)
{
    struct net_spec s;
    struct net n;
    struct err e = {0};
    char ck[1200], bad[1200];
    snprintf(ck, sizeof ck, "%s/refused.bin", harness_tmpdir());
    snprintf(bad, sizeof bad, "%s/refused-bad.bin", harness_tmpdir());
    CU_ASSERT_EQUAL_FATAL(load("cuba.cfg", 2, &s, &n, "simulation.duration=50"), 0);
    CU_ASSERT_EQUAL(net_run(&n, NULL, 0, NULL, &e), 0);
    CU_ASSERT_EQUAL_FATAL(nck_save(&n, ck, NULL, 0, &e), 0);
    net_free(&n);
    spec_free(&s);
    size_t len = 0;
    unsigned char *bytes = (unsigned char *)harness_slurp(ck, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);

    struct {
        const char *set;      /* the network it is loaded into */
        long cut, flip;       /* truncated to cut bytes (-1: whole), byte flipped (-1: none) */
        const char *message;  /* part of the error */
    } cases[] = {
        {"simulation.duration=50", -1, -1, NULL},
        {"simulation.seed=2", -1, -1, "another config"},
        {"populations.exc.size=3000", -1, -1, "another config"},
        {"simulation.duration=50", 10, -1, "truncated"},
        {"simulation.duration=50", (long)len - 1, -1, "truncated"},
        {"simulation.duration=50", -1, (long)len / 2, "checksum"},
        {"simulation.duration=50", -1, 3, "not a checkpoint"},
        {"simulation.duration=50", -1, 16, "version"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        FILE *f = fopen(bad, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        size_t keep = cases[c].cut >= 0 ? (size_t)cases[c].cut : len;
        unsigned char save = cases[c].flip >= 0 ? bytes[cases[c].flip] : 0;
        if (cases[c].flip >= 0) bytes[cases[c].flip] ^= 0x5a;
        fwrite(bytes, 1, keep, f);
        fclose(f);
        if (cases[c].flip >= 0) bytes[cases[c].flip] = save;
        CU_ASSERT_EQUAL_FATAL(load("cuba.cfg", 1, &s, &n, cases[c].set), 0);
        void *extra = NULL;
        size_t elen;
        memset(&e, 0, sizeof e);
        int rc = nck_load(&n, bad, &extra, &elen, &e);
        if (!cases[c].message) {
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(n.step, n.nsteps);
        } else {
            CU_ASSERT_EQUAL(rc, ERR_INPUT);
            CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[c].message));
            if (!strstr(e.msg, cases[c].message))
                fprintf(stderr, "\n  case %zu: %s\n", c, e.msg);
        }
        free(extra);
        net_free(&n);
        spec_free(&s);
    }
    free(bytes);
}

static int suite_netckpt(void)
{
    CU_pSuite s = CU_add_suite("netckpt", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "CUBA resumed at 4 cuts, 1-4 threads = uninterrupted", test_resume_cuba);
    CU_add_test(s, "sources, Poisson, mc_lif, COBA resumed = uninterrupted", test_resume_sources);
    CU_add_test(s, "other networks, truncated and corrupt files refused", test_refused);
    CU_add_test(s, "stdp (3 pairings) resumed on other thread counts = uninterrupted weights",
                test_resume_plastic);
    CU_add_test(s, "apical rule: resumed = uninterrupted", test_resume_apical);
    CU_add_test(s, "a plastic checkpoint cut anywhere is refused", test_refused_plastic);
    return 0;
}
TEST_SUITE(suite_netckpt)
