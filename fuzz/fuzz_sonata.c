/* fuzz/fuzz_sonata: io/sonata's reader (spk_read of an HDF5 file: apical plot's and a
 * spike_source's) on SONATA spike files built from the input with libhdf5's writing API:
 * population groups or other objects under /spikes, links, and timestamps and node_ids of
 * fuzzed element types, ranks, lengths, storage and values. What apical checks is fuzzed, not
 * libhdf5's parser of the container (fuzz_spikes hands that raw bytes). docs/fuzzing.md. */
#include "fuzz/fuzz.h"

#include <hdf5.h>

#include "io/spikes.h"

struct in {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct in *c)
{
    if (!c->n) return 0;
    c->n--;
    return *c->p++;
}

/* A dataset's element type, shape and storage, each chosen by one byte. */
enum { D_ABSENT, D_F64, D_F32, D_I64, D_U64, D_I32, D_U8, D_STRING, D_RANK2, D_SCALAR,
       D_UNBACKED, D_GROUP, D_KINDS };

static void put_dataset(hid_t grp, const char *name, struct in *c)
{
    unsigned kind = take(c) % D_KINDS, len = take(c) % 48;
    if (kind == D_ABSENT) return;
    if (kind == D_GROUP) {
        hid_t g = H5Gcreate2(grp, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0) H5Gclose(g);
        return;
    }
    static const hid_t *const types[D_KINDS] = {
        [D_F64] = &H5T_NATIVE_DOUBLE_g, [D_F32] = &H5T_NATIVE_FLOAT_g,
        [D_I64] = &H5T_NATIVE_LLONG_g,  [D_U64] = &H5T_NATIVE_ULLONG_g,
        [D_I32] = &H5T_NATIVE_INT_g,    [D_U8] = &H5T_NATIVE_UCHAR_g};
    hid_t type = kind == D_STRING ? H5Tcopy(H5T_C_S1)
                 : kind >= D_RANK2 ? H5Tcopy(H5T_NATIVE_DOUBLE)
                                   : H5Tcopy(*types[kind]);
    if (kind == D_STRING) H5Tset_size(type, 4);
    hsize_t dims[2] = {len, 2}, big = (hsize_t)1 << 26, chunk = 16;
    hid_t space = kind == D_SCALAR   ? H5Screate(H5S_SCALAR)
                  : kind == D_RANK2  ? H5Screate_simple(2, dims, NULL)
                  : kind == D_UNBACKED ? H5Screate_simple(1, &big, NULL)
                                     : H5Screate_simple(1, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (kind == D_UNBACKED) H5Pset_chunk(dcpl, 1, &chunk);
    hid_t ds = H5Dcreate2(grp, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    /* the values: the input's next bytes, as they are (NaN, negatives, huge ids) */
    size_t bytes = H5Tget_size(type) * (kind == D_SCALAR ? 1 : kind == D_RANK2 ? 2 * len : len);
    if (ds >= 0 && kind != D_UNBACKED && bytes) {
        uint8_t *buf = calloc(bytes, 1);
        for (size_t i = 0; buf && i < bytes; i++) buf[i] = (uint8_t)take(c);
        if (buf) H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        free(buf);
    }
    if (ds >= 0) H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
}

/* /spikes with up to 3 members: population groups, or a dataset, a soft or an external link,
 * or no /spikes at all. */
static void build(const char *path, struct in *c)
{
    static const char *const names[] = {"a", "b", "cue", "timestamps", "gids", "x y", "a.b"};
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return;
    unsigned top = take(c) % 8;
    if (top) {
        hid_t spikes = H5Gcreate2(f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        for (unsigned k = 0, np = top % 4; spikes >= 0 && k < np; k++) {
            const char *name = names[take(c) % (sizeof names / sizeof names[0])];
            unsigned how = take(c) % 8;
            if (how == 5) {
                put_dataset(spikes, name, c);
            } else if (how == 6) {
                H5Lcreate_soft("/spikes/a", spikes, name, H5P_DEFAULT, H5P_DEFAULT);
            } else if (how == 7) {
                H5Lcreate_external("/nonexistent.h5", "/x", spikes, name, H5P_DEFAULT,
                                   H5P_DEFAULT);
            } else {
                hid_t g = H5Gcreate2(spikes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                if (g < 0) continue;
                put_dataset(g, "timestamps", c);
                put_dataset(g, "node_ids", c);
                H5Gclose(g);
            }
        }
        if (spikes >= 0) H5Gclose(spikes);
    }
    H5Fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    fuzz_path(path, sizeof path, "in.h5");
    struct in c = {data, size};
    H5E_BEGIN_TRY {
        build(path, &c);
    } H5E_END_TRY;
    struct spk_table t;
    struct err e = {0};
    if (spk_read(path, &t, &e) == 0) spk_table_free(&t);
    return 0;
}
