/* tests/test_proj: synapses/proj connectivity rules against their definitions (exact degrees,
 * binomial counts, no autapses or multapses when disallowed) and against themselves across
 * thread counts (the same synapses, only grouped differently); and the config's scale group,
 * which rescales the rules' counts and weights, against the closed forms it promises. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/part.h"
#include "io/cfg.h"
#include "synapses/proj.h"
#include "tests/harness.h"

static struct proj_spec spec(int rule)
{
    struct proj_spec s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "t");
    s.rule = rule;
    s.autapses = 1;
    s.multapses = 1;
    s.weight.kind = DIST_CONST;
    s.weight.a = 1.5;
    s.delay.kind = DIST_CONST;
    s.delay.a = 1.0;
    return s;
}

static int build(struct proj *p, const struct proj_spec *s, uint32_t ns, uint32_t nt, int same,
                 int parts)
{
    struct err e;
    return proj_build(p, s, 3, ns, nt, same, 0.1, 77, parts, &e);
}

/* counts[s * nt + t]: synapses from s to t */
static unsigned *pair_counts(const struct proj *p)
{
    unsigned *c = calloc((size_t)p->nsrc * p->ntgt, sizeof *c);
    for (uint32_t s = 0; s < p->nsrc; s++)
        for (int k = 0; k < p->nparts; k++)
            for (uint64_t q = p->row[(uint64_t)s * p->nparts + k];
                 q < p->row[(uint64_t)s * p->nparts + k + 1]; q++) {
                c[(size_t)s * p->ntgt + p->tgt[q]]++;
                /* grouping invariant: a synapse in part k targets a neuron part k owns */
                CU_ASSERT_EQUAL(part_owner(p->ntgt, p->nparts, p->tgt[q]), k);
            }
    return c;
}

/* Truth: fixed_indegree gives every target exactly k sources; no autapse or repeated pair when
 * both are disallowed. */
static void test_fixed_indegree(void)
{
    for (int multi = 0; multi < 2; multi++) {
        struct proj_spec s = spec(CONN_FIXED_INDEGREE);
        s.k = 40;
        s.autapses = 0;
        s.multapses = multi;
        struct proj p;
        CU_ASSERT_EQUAL_FATAL(build(&p, &s, 150, 150, 1, 3), 0);
        CU_ASSERT_EQUAL(p.nsyn, 150u * 40);
        unsigned *c = pair_counts(&p);
        for (uint32_t t = 0; t < 150; t++) {
            unsigned in = 0;
            for (uint32_t src = 0; src < 150; src++) {
                in += c[src * 150 + t];
                if (!multi) CU_ASSERT(c[src * 150 + t] <= 1);
            }
            CU_ASSERT_EQUAL(in, 40);
            CU_ASSERT_EQUAL(c[t * 150 + t], 0);
        }
        free(c);
        proj_free(&p);
    }
}

/* Truth: fixed_outdegree gives every source exactly k targets. */
static void test_fixed_outdegree(void)
{
    struct proj_spec s = spec(CONN_FIXED_OUTDEGREE);
    s.k = 99;
    s.multapses = 0;
    s.autapses = 0;
    struct proj p;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, 100, 100, 1, 2), 0);
    unsigned *c = pair_counts(&p);
    for (uint32_t src = 0; src < 100; src++) {
        unsigned out = 0;
        for (uint32_t t = 0; t < 100; t++) {
            out += c[src * 100 + t];
            CU_ASSERT(c[src * 100 + t] <= 1);
        }
        CU_ASSERT_EQUAL(out, 99); /* all but itself */
        CU_ASSERT_EQUAL(c[src * 100 + src], 0);
    }
    free(c);
    proj_free(&p);
}

/* Truth: fixed_probability draws Binomial(pairs, p) synapses: within 4 sigma of p N M; each pair's
 * frequency is p too (checked per source row). No autapses when disallowed. */
static void test_fixed_probability(void)
{
    struct proj_spec s = spec(CONN_FIXED_PROBABILITY);
    const double pr[] = {0.02, 0.3, 1.0};
    for (int i = 0; i < 3; i++) {
        s.p = pr[i];
        s.autapses = 0;
        struct proj p;
        const uint32_t n = 2000;
        CU_ASSERT_EQUAL_FATAL(build(&p, &s, n, n, 1, 2), 0);
        double pairs = (double)n * (n - 1), mean = pairs * s.p;
        double sigma = sqrt(pairs * s.p * (1 - s.p));
        CU_ASSERT(fabs((double)p.nsyn - mean) <= 4 * sigma + 1e-9);
        unsigned *c = pair_counts(&p);
        unsigned self = 0;
        for (uint32_t a = 0; a < n; a++) self += c[(size_t)a * n + a];
        CU_ASSERT_EQUAL(self, 0);
        /* targets are uniform: the first and second halves receive equal shares */
        double lo = 0, hi = 0;
        for (size_t q = 0; q < (size_t)n * n; q++) {
            if (q % n < n / 2)
                lo += c[q];
            else
                hi += c[q];
        }
        CU_ASSERT(fabs(lo - hi) <= 4 * sqrt(p.nsyn) + 1e-9);
        free(c);
        proj_free(&p);
    }
    s.p = 0;
    struct proj p;
    CU_ASSERT_EQUAL(build(&p, &s, 10, 10, 0, 1), 0);
    CU_ASSERT_EQUAL(p.nsyn, 0);
    proj_free(&p);
}

/* Truth: all_to_all and one_to_one by definition; list exactly as given. */
static void test_deterministic_rules(void)
{
    struct proj_spec s = spec(CONN_ALL_TO_ALL);
    struct proj p;
    s.autapses = 0;
    CU_ASSERT_EQUAL(build(&p, &s, 30, 30, 1, 4), 0);
    CU_ASSERT_EQUAL(p.nsyn, 30 * 29);
    proj_free(&p);
    CU_ASSERT_EQUAL(build(&p, &s, 30, 20, 0, 4), 0);
    CU_ASSERT_EQUAL(p.nsyn, 600);
    proj_free(&p);
    s = spec(CONN_ONE_TO_ONE);
    CU_ASSERT_EQUAL(build(&p, &s, 25, 25, 0, 3), 0);
    unsigned *c = pair_counts(&p);
    for (uint32_t a = 0; a < 25; a++) CU_ASSERT_EQUAL(c[a * 25 + a], 1);
    CU_ASSERT_EQUAL(p.nsyn, 25);
    free(c);
    proj_free(&p);
    s = spec(CONN_LIST);
    uint32_t src[] = {0, 2, 2, 1}, tgt[] = {1, 0, 0, 3};
    double w[] = {0.5, -1, 2, 3}, d[] = {0.1, 0.3, 0.3, 2.0};
    s.nlist = 4;
    s.list_src = src;
    s.list_tgt = tgt;
    s.list_w = w;
    s.list_d = d;
    CU_ASSERT_EQUAL(build(&p, &s, 3, 4, 0, 2), 0);
    CU_ASSERT_EQUAL(p.nsyn, 4);
    CU_ASSERT_PTR_NOT_NULL(p.delay);
    CU_ASSERT_EQUAL(p.min_delay, 1);
    CU_ASSERT_EQUAL(p.max_delay, 20);
    /* source 2 has the two synapses onto 0, in list order */
    uint64_t q = p.row[2 * 2];
    CU_ASSERT_EQUAL(p.tgt[q], 0);
    CU_ASSERT_EQUAL(proj_weight(&p, q), -1.0f);
    CU_ASSERT_EQUAL(proj_weight(&p, q + 1), 2.0f);
    proj_free(&p);
}

/* Truth: the allocator's byte count. A constant weight (or a list of equal weights) is stored
 * once: 4 bytes of target per synapse plus the row offsets; a varying one adds 4 bytes. */
static void test_constant_weight_storage(void)
{
    struct proj_spec s = spec(CONN_FIXED_INDEGREE);
    s.k = 20;
    struct proj p;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, 100, 100, 0, 2), 0);
    CU_ASSERT_PTR_NULL(p.w);
    CU_ASSERT_PTR_NULL(p.delay);
    size_t rows = (100 * 2 + 1) * sizeof(uint64_t);
    CU_ASSERT_EQUAL(p.bytes, rows + p.nsyn * 4);
    for (uint64_t q = 0; q < p.nsyn; q++) CU_ASSERT_EQUAL(proj_weight(&p, q), (float)s.weight.a);
    proj_free(&p);
    s.weight.kind = DIST_UNIFORM;
    s.weight.a = 1.0;
    s.weight.b = 2.0;
    s.weight.lo = -1e300;
    s.weight.hi = 1e300;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, 100, 100, 0, 2), 0);
    CU_ASSERT_PTR_NOT_NULL(p.w);
    CU_ASSERT_EQUAL(p.bytes, rows + p.nsyn * 8);
    proj_free(&p);
    /* a list whose weights are all equal */
    struct proj_spec l = spec(CONN_LIST);
    uint32_t src[] = {0, 1, 2}, tgt[] = {2, 0, 1};
    double w[] = {1.5, 1.5, 1.5};
    l.nlist = 3;
    l.list_src = src;
    l.list_tgt = tgt;
    l.list_w = w;
    CU_ASSERT_EQUAL_FATAL(build(&p, &l, 3, 3, 0, 2), 0);
    CU_ASSERT_PTR_NULL(p.w);
    CU_ASSERT_EQUAL(proj_weight(&p, 1), 1.5f);
    proj_free(&p);
}

/* Truth: weights and delays follow their distributions; drawn delays stay >= 1 step. */
static void test_weight_delay_draws(void)
{
    struct proj_spec s = spec(CONN_FIXED_INDEGREE);
    s.k = 100;
    s.weight.kind = DIST_NORMAL;
    s.weight.a = 87.8;
    s.weight.b = 8.78;
    s.weight.lo = -INFINITY;
    s.weight.hi = INFINITY;
    s.delay.kind = DIST_NORMAL;
    s.delay.a = 0.75;
    s.delay.b = 0.375;
    s.delay.lo = 0.1;
    s.delay.hi = INFINITY;
    struct proj p;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, 500, 500, 0, 2), 0);
    double m = 0, v = 0;
    for (uint64_t q = 0; q < p.nsyn; q++) m += proj_weight(&p, q);
    m /= p.nsyn;
    for (uint64_t q = 0; q < p.nsyn; q++) v += (proj_weight(&p, q) - m) * (proj_weight(&p, q) - m);
    v /= p.nsyn;
    CU_ASSERT(fabs(m - 87.8) < 5 * 8.78 / sqrt(p.nsyn));
    CU_ASSERT(fabs(sqrt(v) - 8.78) < 0.05 * 8.78);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.delay);
    CU_ASSERT(p.min_delay >= 1);
    double dm = 0;
    for (uint64_t q = 0; q < p.nsyn; q++) dm += p.delay[q];
    dm /= p.nsyn;
    CU_ASSERT(fabs(dm * 0.1 - 0.75) < 0.05);
    proj_free(&p);
    /* uniform delays store none per synapse: 8 bytes per synapse plus rows */
    s.delay.kind = DIST_CONST;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, 500, 500, 0, 2), 0);
    CU_ASSERT_PTR_NULL(p.delay);
    CU_ASSERT_EQUAL(p.bytes, p.nsyn * 8 + (500 * 2 + 1) * 8);
    proj_free(&p);
}

struct syn {
    uint32_t tgt;
    float w;
    uint16_t d;
    uint64_t at; /* position in storage: keeps the order of multapses */
};

/* by target, then storage order: multapses onto one target must keep their order, since
 * delivery adds their weights in that order */
static int cmp_syn(const void *a, const void *b)
{
    const struct syn *x = a, *y = b;
    if (x->tgt != y->tgt) return (x->tgt > y->tgt) - (x->tgt < y->tgt);
    return (x->at > y->at) - (x->at < y->at);
}

/* Truth: the synapses of each source, in target order (stable within a target), are the same
 * for 1, 2, 3 and 4 parts: grouping by thread must not change the network. One part replays
 * the rows that its counting pass kept, more parts draw them again: this also checks that the
 * replay gives the drawn network, weights and delays included, for every rule. */
static void test_same_network_any_parts(void)
{
    const int rules[] = {CONN_FIXED_PROBABILITY, CONN_FIXED_INDEGREE, CONN_FIXED_OUTDEGREE,
                         CONN_ALL_TO_ALL, CONN_FIXED_TOTAL_NUMBER};
    for (int r = 0; r < 5; r++) {
        struct proj_spec s = spec(rules[r]);
        s.p = 0.1;
        s.k = 25;
        s.n = 30000;
        s.weight.kind = DIST_UNIFORM;
        s.weight.a = 0;
        s.weight.b = 1;
        s.delay.kind = DIST_UNIFORM;
        s.delay.a = 0.1;
        s.delay.b = 3;
        s.delay.lo = 0.1;
        s.delay.hi = 3;
        struct syn *ref = NULL;
        uint64_t nref = 0;
        for (int parts = 1; parts <= 4; parts++) {
            struct proj p;
            CU_ASSERT_EQUAL_FATAL(build(&p, &s, 301, 257, 0, parts), 0);
            struct syn *all = malloc(p.nsyn * sizeof *all);
            uint64_t m = 0;
            for (uint32_t src = 0; src < p.nsrc; src++) {
                uint64_t start = m;
                for (uint64_t q = p.row[(uint64_t)src * parts]; q < p.row[(uint64_t)(src + 1) * parts];
                     q++)
                    all[m++] = (struct syn){p.tgt[q], proj_weight(&p, q), p.delay[q], q};
                qsort(all + start, m - start, sizeof *all, cmp_syn);
            }
            if (parts == 1) {
                ref = all;
                nref = m;
            } else {
                CU_ASSERT_EQUAL(m, nref);
                int same = m == nref;
                for (uint64_t q = 0; same && q < m; q++)
                    same = all[q].tgt == ref[q].tgt && all[q].w == ref[q].w && all[q].d == ref[q].d;
                CU_ASSERT(same);
                free(all);
            }
            proj_free(&p);
        }
        free(ref);
    }
}

/* The chi-square quantile for probability 1 - 1e-4 (Wilson & Hilferty's approximation). */
static double chi2_crit(int df)
{
    double z = 3.719, a = 2.0 / (9.0 * df);
    return df * pow(1 - a + z * sqrt(a), 3);
}

/* Chi-square statistic of the counts x[0..m) against Binomial(n, p), over bins of neighbouring
 * values that each expect >= 10 (a short remainder joins the last); *df gets bins - 1. */
static double chi2_binomial(const unsigned *x, size_t m, uint64_t n, double p, int *df)
{
    unsigned kmax = 0;
    for (size_t i = 0; i < m; i++)
        if (x[i] > kmax) kmax = x[i];
    double *obs = calloc(kmax + 1, sizeof *obs);
    for (size_t i = 0; i < m; i++) obs[x[i]]++;
    double chi2 = 0, o = 0, e = 0, lo = 0, le = 0, dn = (double)n;
    int bins = 0;
    double mean = dn * p, sd = sqrt(dn * p * (1 - p));
    unsigned hi = (unsigned)fmin(dn, mean + 15 * sd);
    for (unsigned k = 0; k <= hi; k++) {
        double pk = exp(lgamma(dn + 1) - lgamma(k + 1.0) - lgamma(dn - k + 1) + k * log(p) +
                        (dn - k) * log1p(-p));
        o += k <= kmax ? obs[k] : 0;
        e += m * pk;
        if (e >= 10) {
            if (bins) chi2 += (lo - le) * (lo - le) / le;
            lo = o, le = e, bins++;
            o = e = 0;
        }
    }
    for (unsigned k = hi + 1; k <= kmax; k++) o += obs[k];
    lo += o, le += e;
    chi2 += (lo - le) * (lo - le) / le;
    free(obs);
    *df = bins - 1;
    return chi2;
}

/* Truth: NEST's fixed_total_number draws N (source, target) pairs independently and uniformly:
 * exactly N synapses; every target's in-degree is Binomial(N, 1/n_post) and every source's
 * out-degree Binomial(N, 1/n_pre) (chi-square below its 1 - 1e-4 quantile; mean and variance
 * within 5 standard errors); the flags of a distinct pair of populations change nothing. */
static void test_fixed_total_number(void)
{
    struct proj_spec s = spec(CONN_FIXED_TOTAL_NUMBER);
    const uint32_t ns = 700, nt = 2000;
    s.n = 100000;
    struct proj p;
    CU_ASSERT_EQUAL_FATAL(build(&p, &s, ns, nt, 0, 3), 0);
    CU_ASSERT_EQUAL(p.nsyn, 100000);
    CU_ASSERT_EQUAL(proj_expected_count(&s, ns, nt, 0), 100000.0);
    unsigned *in = calloc(nt, sizeof *in), *out = calloc(ns, sizeof *out);
    for (uint32_t a = 0; a < ns; a++)
        for (uint64_t q = p.row[(uint64_t)a * 3]; q < p.row[(uint64_t)(a + 1) * 3]; q++) {
            in[p.tgt[q]]++;
            out[a]++;
            CU_ASSERT(p.tgt[q] < nt);
        }
    int df;
    double chi2 = chi2_binomial(in, nt, s.n, 1.0 / nt, &df);
    CU_ASSERT(df >= 5 && chi2 < chi2_crit(df));
    chi2 = chi2_binomial(out, ns, s.n, 1.0 / ns, &df);
    CU_ASSERT(df >= 5 && chi2 < chi2_crit(df));
    double m = 0, v = 0, mu = 100000.0 / nt, var = mu * (1 - 1.0 / nt);
    for (uint32_t t = 0; t < nt; t++) m += in[t];
    m /= nt;
    for (uint32_t t = 0; t < nt; t++) v += (in[t] - m) * (in[t] - m);
    v /= nt - 1;
    CU_ASSERT(fabs(m - mu) < 1e-9); /* the total is exact, so is the mean */
    CU_ASSERT(fabs(v - var) < 5 * var * sqrt(2.0 / (nt - 1)));
    free(in);
    free(out);
    proj_free(&p);
    s.n = 0;
    CU_ASSERT_EQUAL(build(&p, &s, ns, nt, 0, 2), 0);
    CU_ASSERT_EQUAL(p.nsyn, 0);
    proj_free(&p);
}

/* Truth: within one population, allow_autapses = false leaves out exactly the pairs i -> i
 * (still N synapses in all); allowed, they occur as often as any pair: N/n of them on average
 * (Binomial(N, 1/n), within 5 sigma). */
static void test_fixed_total_number_autapses(void)
{
    const uint32_t n = 300;
    for (int aut = 0; aut < 2; aut++) {
        struct proj_spec s = spec(CONN_FIXED_TOTAL_NUMBER);
        s.n = 90000;
        s.autapses = aut;
        struct proj p;
        CU_ASSERT_EQUAL_FATAL(build(&p, &s, n, n, 1, 2), 0);
        CU_ASSERT_EQUAL(p.nsyn, 90000);
        unsigned *c = pair_counts(&p);
        double self = 0;
        for (uint32_t a = 0; a < n; a++) self += c[(size_t)a * n + a];
        if (!aut) CU_ASSERT_EQUAL(self, 0);
        if (aut) CU_ASSERT(fabs(self - 90000.0 / n) < 5 * sqrt(90000.0 / n));
        free(c);
        proj_free(&p);
    }
}

/* A network for the scale tests: E (lif, tau_syn_ex 0.5 ms, tau_syn_in 1 ms), I (lif), a spike
 * source S; one projection per scalable rule, and Poisson input to E. */
#define SCALED_NET                                                                                 \
    "populations = (\n"                                                                           \
    "  { name = \"E\"; size = 1000; tau_syn_ex = 0.5; tau_syn_in = 1.0; },\n"                    \
    "  { name = \"I\"; size = 250; tau_syn_ex = 0.5; tau_syn_in = 1.0; },\n"                     \
    "  { name = \"S\"; size = 3; model = \"spike_source\"; spike_times = ([1.0], [], []); } );\n" \
    "projections = (\n"                                                                           \
    "  { name = \"ee\"; from = \"E\"; to = \"E\"; rule = \"fixed_total_number\"; n = 100000;\n" \
    "    weight = 50.0; },\n"                                                                     \
    "  { name = \"ie\"; from = \"I\"; to = \"E\"; receptor = \"in\"; rule = \"fixed_indegree\";\n" \
    "    k = 20; weight = { dist = \"normal\"; mean = -200.0; std = 20.0; max = 0.0; }; },\n"  \
    "  { name = \"ei\"; from = \"E\"; to = \"I\"; rule = \"fixed_probability\"; p = 0.1;\n"  \
    "    weight = 40.0; },\n"                                                                     \
    "  { name = \"ii\"; from = \"I\"; to = \"I\"; receptor = \"in\"; rule = \"fixed_outdegree\";\n" \
    "    k = 25; weight = -100.0; },\n"                                                           \
    "  { name = \"se\"; from = \"S\"; to = \"E\"; rule = \"fixed_outdegree\"; k = 40; weight = 10.0; }\n" \
    ");\n"                                                                                        \
    "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"E\"; rate = 8000.0; weight = 50.0; } );\n"

static const struct proj_spec *proj_named(const struct net_spec *sp, const char *name)
{
    for (int j = 0; j < sp->nprojs; j++)
        if (!strcmp(sp->projs[j].name, name)) return &sp->projs[j];
    return NULL;
}

static double comp_dc(const struct net_spec *sp, int pop)
{
    double dc = 0;
    for (int j = 0; j < sp->nstims; j++)
        if (sp->stims[j].kind == STIM_DC && sp->stims[j].target == pop &&
            !strcmp(sp->stims[j].name, "compensation"))
            dc += sp->stims[j].amplitude_pa;
    return dc;
}

/* Truth: docs/config.md#scale. With neurons a = 0.5 and indegree k = 0.25: sizes round(N a)
 * (spike sources keep theirs); n -> round(n a k), k_in -> round(k_in k), p -> p k / a,
 * k_out -> round(k_out k a_to / a_from) with a = 1 for a spike source; weights and Poisson
 * weights / sqrt(k), Poisson rates x k; and per population the dc
 * (1 - sqrt k) / 1000 x sum over inputs of tau_syn x mean weight x full in-degree x full rate
 * (van Albada et al. 2015; NEST's adjust_weights_and_input_to_synapse_scaling), computed here
 * by hand from the numbers in SCALED_NET. */
static void test_scale_closed_form(void)
{
    const char *path = harness_write(
        "proj_scale.cfg",
        SCALED_NET "scale = { neurons = 0.5; indegree = 0.25;\n"
                   "  mean_rates = { E = 3.0; I = 10.0; S = 2.0; }; };\n");
    struct net_spec sp;
    char *resolved = NULL;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, NULL, 0, &sp, &resolved, &e), 0);
    CU_ASSERT_EQUAL(sp.pops[0].size, 500);
    CU_ASSERT_EQUAL(sp.pops[1].size, 125);
    CU_ASSERT_EQUAL(sp.pops[2].size, 3);
    CU_ASSERT_EQUAL(proj_named(&sp, "ee")->n, 12500);
    CU_ASSERT_EQUAL(proj_named(&sp, "ie")->k, 5);
    CU_ASSERT_DOUBLE_EQUAL(proj_named(&sp, "ei")->p, 0.05, 1e-15);
    CU_ASSERT_EQUAL(proj_named(&sp, "ii")->k, 6);  /* 25 x 0.25 = 6.25 */
    CU_ASSERT_EQUAL(proj_named(&sp, "se")->k, 5);  /* 40 x 0.25 x 0.5 / 1 */
    CU_ASSERT_DOUBLE_EQUAL(proj_named(&sp, "ee")->weight.a, 100.0, 1e-12);
    const struct dist *wie = &proj_named(&sp, "ie")->weight;
    CU_ASSERT_DOUBLE_EQUAL(wie->a, -400.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(wie->b, 40.0, 1e-12);
    CU_ASSERT_EQUAL(wie->hi, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(sp.stims[0].rate_hz, 2000.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(sp.stims[0].weight, 100.0, 1e-12);
    /* E: ee 0.5 ms x 50 pA x 100 x 3 Hz, ie 1 ms x -200 pA x 20 x 10 Hz, se 0.5 ms x 10 pA x
     * (40 x 3 / 1000) x 2 Hz, bg 0.5 ms x 50 pA x 8000 Hz */
    double in_e = 0.5 * 50 * 100 * 3 + 1.0 * -200 * 20 * 10 + 0.5 * 10 * 0.12 * 2 + 0.5 * 50 * 8000;
    /* I: ei 0.5 ms x 40 pA x (0.1 x 1000) x 3 Hz, ii 1 ms x -100 pA x 25 x 10 Hz */
    double in_i = 0.5 * 40 * 100 * 3 + 1.0 * -100 * 25 * 10;
    CU_ASSERT_DOUBLE_EQUAL(comp_dc(&sp, 0), 1e-3 * (1 - 0.5) * in_e, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(comp_dc(&sp, 1), 1e-3 * (1 - 0.5) * in_i, 1e-9);
    CU_ASSERT_EQUAL(sp.scale_neurons, 0.5);
    CU_ASSERT_EQUAL(sp.scale_indegree, 0.25);
    spec_free(&sp);
    free(resolved);

    /* neurons only: in-degrees and weights stay, no dc; the total count follows the targets */
    const char *sets[] = {"scale.indegree=1.0"};
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, sets, 1, &sp, &resolved, &e), 0);
    CU_ASSERT_EQUAL(proj_named(&sp, "ee")->n, 50000);
    CU_ASSERT_EQUAL(proj_named(&sp, "ie")->k, 20);
    CU_ASSERT_DOUBLE_EQUAL(proj_named(&sp, "ee")->weight.a, 50.0, 0);
    CU_ASSERT_EQUAL(sp.nstims, 1);
    spec_free(&sp);
    free(resolved);
}

/* Truth: the same network with scale = 1 is the network without a scale group (same spec
 * numbers), and simulation.poisson = "dc" replaces a Poisson input by its mean current
 * rate x weight x tau_syn / 1000 (NEST's dc_input_compensating_poisson). */
static void test_scale_identity_and_poisson_dc(void)
{
    const char *plain = harness_write("proj_plain.cfg", SCALED_NET);
    const char *one = harness_write("proj_one.cfg",
                                    SCALED_NET "scale = { neurons = 1.0; indegree = 1.0; };\n");
    struct net_spec a, b;
    char *ra = NULL, *rb = NULL;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(cfg_load(plain, NULL, 0, &a, &ra, &e), 0);
    CU_ASSERT_EQUAL_FATAL(cfg_load(one, NULL, 0, &b, &rb, &e), 0);
    CU_ASSERT_EQUAL(a.pops[0].size, b.pops[0].size);
    CU_ASSERT_EQUAL(a.nstims, b.nstims);
    for (int j = 0; j < a.nprojs; j++) {
        CU_ASSERT_EQUAL(a.projs[j].n, b.projs[j].n);
        CU_ASSERT_EQUAL(a.projs[j].k, b.projs[j].k);
        CU_ASSERT_EQUAL(a.projs[j].p, b.projs[j].p);
        CU_ASSERT_EQUAL(a.projs[j].weight.a, b.projs[j].weight.a);
    }
    spec_free(&b);
    free(rb);
    const char *sets[] = {"simulation.poisson=dc"};
    CU_ASSERT_EQUAL_FATAL(cfg_load(plain, sets, 1, &b, &rb, &e), 0);
    CU_ASSERT_EQUAL(b.stims[0].kind, STIM_DC);
    CU_ASSERT_DOUBLE_EQUAL(b.stims[0].amplitude_pa, 8000 * 50 * 0.5 / 1000, 1e-12);
    spec_free(&a);
    spec_free(&b);
    free(ra);
    free(rb);
}

static int suite_proj(void)
{
    CU_pSuite s = CU_add_suite("proj", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "fixed_indegree", test_fixed_indegree);
    CU_add_test(s, "fixed_outdegree", test_fixed_outdegree);
    CU_add_test(s, "fixed_probability", test_fixed_probability);
    CU_add_test(s, "all_to_all, one_to_one, list", test_deterministic_rules);
    CU_add_test(s, "weight and delay distributions", test_weight_delay_draws);
    CU_add_test(s, "a constant weight is stored once", test_constant_weight_storage);
    CU_add_test(s, "same network for any thread count", test_same_network_any_parts);
    CU_add_test(s, "fixed_total_number", test_fixed_total_number);
    CU_add_test(s, "fixed_total_number autapses", test_fixed_total_number_autapses);
    CU_add_test(s, "scale: counts, weights, compensating dc", test_scale_closed_form);
    CU_add_test(s, "scale 1 and poisson as dc", test_scale_identity_and_poisson_dc);
    return 0;
}
TEST_SUITE(suite_proj)
