/* io/hdf: HDF5 files, groups, attributes and 1-D datasets, written and checked (see hdf.h). */
#include "io/hdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SONATA_MAGIC 0x0A7Au
#define DEFLATE_RATIO 1032 /* the most bytes deflate makes of one stored byte */

/* ---------------------------------------------------------------------------------------------
 * Writing.
 */

hid_t hdf_create(const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        if (fapl >= 0) H5Pclose(fapl);
        return -1;
    }
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    return f;
}

int hdf_name_ok(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") && strlen(s) <= 4096;
}

int hdf_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *value)
{
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    int bad = H5Awrite(a, type, value) < 0;
    return (H5Aclose(a) < 0 || bad) ? -1 : 0;
}

int hdf_root_attrs(hid_t file)
{
    uint32_t magic = SONATA_MAGIC, version[2] = {0, 1};
    hsize_t two = 2;
    hid_t scalar = H5Screate(H5S_SCALAR), pair = H5Screate_simple(1, &two, NULL);
    int rc = scalar < 0 || pair < 0 || hdf_attr(file, "magic", H5T_STD_U32LE, scalar, &magic) ||
             hdf_attr(file, "version", H5T_STD_U32LE, pair, version);
    if (scalar >= 0) H5Sclose(scalar);
    if (pair >= 0) H5Sclose(pair);
    return rc ? -1 : 0;
}

int hdf_attr_str(hid_t obj, const char *name, const char *text)
{
    hid_t t = H5Tcopy(H5T_C_S1), scalar = H5Screate(H5S_SCALAR);
    int rc = t < 0 || scalar < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 ||
             H5Tset_cset(t, H5T_CSET_UTF8) < 0 || hdf_attr(obj, name, t, scalar, &text);
    if (t >= 0) H5Tclose(t);
    if (scalar >= 0) H5Sclose(scalar);
    return rc ? -1 : 0;
}

hid_t hdf_group(hid_t parent, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = -1;
    if (gcpl >= 0 && H5Pset_obj_track_times(gcpl, 0) >= 0)
        g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0) H5Pclose(gcpl);
    return g;
}

/* Appends go straight to the file: no chunk cache (it would hold a chunk buffer per dataset,
 * first-touched page by page during a run, which costs more here than the writes) and no fill
 * values (every element is written once, in order), so HDF5 writes each append's bytes where
 * they belong. */
hid_t hdf_dataset(hid_t grp, const char *name, hid_t type)
{
    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = HDF_CHUNK;
    hid_t space = H5Screate_simple(1, &zero, &unlimited);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), dapl = H5Pcreate(H5P_DATASET_ACCESS);
    hid_t ds = -1;
    if (space >= 0 && dcpl >= 0 && dapl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0 &&
        H5Pset_obj_track_times(dcpl, 0) >= 0 &&
        H5Pset_chunk_cache(dapl, 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT) >= 0)
        ds = H5Dcreate2(grp, name, type, space, H5P_DEFAULT, dcpl, dapl);
    if (space >= 0) H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (dapl >= 0) H5Pclose(dapl);
    return ds;
}

/* Elements [at, at + k) of the 1-D dataset ds to (write) or from buf, as memtype. */
static int transfer(hid_t ds, hid_t memtype, uint64_t at, size_t k, void *buf, int write)
{
    hsize_t start = at, count = k;
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(1, &count, NULL);
    int bad = fs < 0 || ms < 0 ||
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
              (write ? H5Dwrite(ds, memtype, ms, fs, H5P_DEFAULT, buf)
                     : H5Dread(ds, memtype, ms, fs, H5P_DEFAULT, buf)) < 0;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return bad ? -1 : 0;
}

int hdf_append(hid_t ds, uint64_t n, hid_t memtype, const void *src, size_t k)
{
    hsize_t size = n + k;
    if (H5Dset_extent(ds, &size) < 0) return -1;
    return transfer(ds, memtype, n, k, (void *)src, 1);
}

/* ---------------------------------------------------------------------------------------------
 * Reading.
 */

/* "float64", "uint32", "string": an element type as numpy names it, for messages. */
static void type_name(hid_t ty, char *buf, size_t n)
{
    H5T_class_t c = H5Tget_class(ty);
    size_t bits = H5Tget_size(ty) * 8;
    if (c == H5T_INTEGER)
        snprintf(buf, n, "%sint%zu", H5Tget_sign(ty) == H5T_SGN_NONE ? "u" : "", bits);
    else if (c == H5T_FLOAT)
        snprintf(buf, n, "float%zu", bits);
    else if (c == H5T_STRING)
        snprintf(buf, n, "string");
    else if (c == H5T_ENUM)
        snprintf(buf, n, "enum");
    else if (c == H5T_COMPOUND)
        snprintf(buf, n, "compound");
    else
        snprintf(buf, n, "an HDF5 type of class %d", (int)c);
}

hid_t hdf_member(const char *file, hid_t grp, const char *where, const char *name,
                 H5I_type_t want, struct err *e, int *rc)
{
    const char *kind = want == H5I_GROUP ? "a group" : "a dataset";
    H5L_info_t li;
    htri_t has = H5Lexists(grp, name, H5P_DEFAULT);
    if (has <= 0) {
        *rc = err_set(e, ERR_INPUT, file, 0, "", "%s/%s: missing (expected %s)", where, name,
                      kind);
        return -1;
    }
    if (H5Lget_info(grp, name, &li, H5P_DEFAULT) < 0 || li.type != H5L_TYPE_HARD) {
        *rc = err_set(e, ERR_INPUT, file, 0, "", "%s/%s: a soft or external link; apical reads "
                      "only objects stored in the file", where, name);
        return -1;
    }
    hid_t o = H5Oopen(grp, name, H5P_DEFAULT);
    if (o < 0 || H5Iget_type(o) != want) {
        if (o >= 0) H5Oclose(o);
        *rc = err_set(e, ERR_INPUT, file, 0, "", "%s/%s: not %s%s", where, name, kind,
                      o < 0 ? " (cannot be opened)" : "");
        return -1;
    }
    return o;
}

int hdf_check_1d(const char *file, hid_t ds, const char *where, int want_float,
                 const char *expect, uint64_t max, uint64_t *n, int *is_signed, struct err *e)
{
    hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds), dcpl = H5Dget_create_plist(ds);
    int rc = 0;
    char tn[64] = "?";
    if (sp < 0 || ty < 0 || dcpl < 0) {
        rc = err_set(e, ERR_INPUT, file, 0, "", "%s: cannot read its shape or element type",
                     where);
        goto done;
    }
    type_name(ty, tn, sizeof tn);
    H5S_class_t sc = H5Sget_simple_extent_type(sp);
    int rank = sc == H5S_SIMPLE ? H5Sget_simple_extent_ndims(sp) : 0;
    hsize_t dim = 0;
    if (sc != H5S_SIMPLE || rank != 1 || H5Sget_simple_extent_dims(sp, &dim, NULL) != 1) {
        rc = err_set(e, ERR_INPUT, file, 0, "", "%s: %s of rank %d; expected a 1-D array", where,
                     sc == H5S_NULL ? "an empty (null) dataspace" : "an array", rank);
        goto done;
    }
    H5T_class_t c = H5Tget_class(ty);
    size_t size = H5Tget_size(ty);
    if (want_float ? c != H5T_FLOAT || (size != 4 && size != 8)
                   : c != H5T_INTEGER || (size != 1 && size != 2 && size != 4 && size != 8)) {
        rc = err_set(e, ERR_INPUT, file, 0, "", "%s: element type %s; expected %s", where, tn,
                     expect);
        goto done;
    }
    *is_signed = c == H5T_INTEGER && H5Tget_sign(ty) != H5T_SGN_NONE;
    H5D_layout_t lay = H5Pget_layout(dcpl);
    if ((lay != H5D_COMPACT && lay != H5D_CONTIGUOUS && lay != H5D_CHUNKED) ||
        H5Pget_external_count(dcpl) != 0) {
        rc = err_set(e, ERR_INPUT, file, 0, "", "%s: its data lies outside the file (virtual "
                     "or external storage), which apical does not read", where);
        goto done;
    }
    /* no more elements than the stored bytes can hold (deflate at its best): a header cannot
     * claim a length that the file does not back */
    uint64_t stored = H5Dget_storage_size(ds);
    if (dim > max || (dim && (stored == 0 || dim * size / stored > DEFLATE_RATIO))) {
        char most[48] = "";
        if (dim > max) snprintf(most, sizeof most, " (more than %llu)", (unsigned long long)max);
        rc = err_set(e, ERR_INPUT, file, 0, "", "%s: %llu elements%s, but %llu bytes of data "
                     "stored", where, (unsigned long long)dim, most, (unsigned long long)stored);
        goto done;
    }
    *n = dim;
done:
    if (sp >= 0) H5Sclose(sp);
    if (ty >= 0) H5Tclose(ty);
    if (dcpl >= 0) H5Pclose(dcpl);
    return rc;
}

int hdf_read(hid_t ds, hid_t memtype, uint64_t at, size_t k, void *buf)
{
    return transfer(ds, memtype, at, k, buf, 0);
}

int hdf_attr_text(hid_t obj, const char *name, char *buf, size_t n)
{
    if (n) buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), ty = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    int ok = ty >= 0 && sp >= 0 && H5Tget_class(ty) == H5T_STRING &&
             H5Sget_simple_extent_npoints(sp) == 1;
    if (ok && H5Tis_variable_str(ty) > 0) {
        char *s = NULL;
        hid_t mt = H5Tcopy(ty);
        ok = mt >= 0 && H5Aread(a, mt, &s) >= 0 && s;
        if (ok) snprintf(buf, n, "%s", s);
        if (s) H5free_memory(s);
        if (mt >= 0) H5Tclose(mt);
    } else if (ok) {
        size_t len = H5Tget_size(ty);
        char *s = len < 4096 ? calloc(len + 1, 1) : NULL;
        ok = s && H5Aread(a, ty, s) >= 0;
        if (ok) snprintf(buf, n, "%s", s);
        free(s);
    }
    if (sp >= 0) H5Sclose(sp);
    if (ty >= 0) H5Tclose(ty);
    if (a >= 0) H5Aclose(a);
    return ok ? 1 : -1;
}
