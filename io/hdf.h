/* io/hdf: the HDF5 pieces apical's SONATA files share (io/sonata: spikes.h5; io/edges:
 * nodes.h5 and edges.h5). Writing: files, groups and chunked 1-D datasets appended to, with
 * no timestamps in the object headers, so a file's bytes depend on its contents alone.
 * Reading: members and 1-D numeric datasets checked before anything is sized from them.
 * Callers run these inside H5E_BEGIN_TRY (libhdf5 would print its error stack otherwise);
 * failures come back as -1 (writing) or an ERR_INPUT naming the file and the object
 * (reading). Knows nothing of spikes or networks. */
#ifndef APICAL_HDF_H
#define APICAL_HDF_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HDF_CHUNK 8192 /* elements per chunk of an appended dataset: 64 KiB of float64 */

/* ---- writing ---- */

/* A new file at path (truncated), closed with its objects (H5F_CLOSE_STRONG); -1 on failure. */
hid_t hdf_create(const char *path);
/* The root's attributes SONATA files carry: magic (uint32 0x0A7A) and version (uint32[2]
 * = 0, 1), as bmtk writes them. */
int hdf_root_attrs(hid_t file);
/* A new group name under parent; -1 on failure. */
hid_t hdf_group(hid_t parent, const char *name);
/* Whether s can name a group: not empty, no '/', not ".", at most 4096 bytes. */
int hdf_name_ok(const char *s);
/* An attribute of type type (in memory as in the file) and dataspace space holding *value. */
int hdf_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *value);
/* A scalar attribute holding text as a variable-length UTF-8 string (what h5py writes). */
int hdf_attr_str(hid_t obj, const char *name, const char *text);
/* An empty, chunked (HDF_CHUNK), unlimited 1-D dataset of file type type; -1 on failure. */
hid_t hdf_dataset(hid_t grp, const char *name, hid_t type);
/* Appends src[0..k) (of memory type memtype) to the 1-D dataset ds, which holds n elements. */
int hdf_append(hid_t ds, uint64_t n, hid_t memtype, const void *src, size_t k);

/* ---- reading ---- */

/* name under grp (where/name in messages) must be a hard link to an object of kind want
 * (H5I_GROUP or H5I_DATASET): the object, or -1 with *rc the ERR_INPUT naming file. */
hid_t hdf_member(const char *file, hid_t grp, const char *where, const char *name,
                 H5I_type_t want, struct err *e, int *rc);
/* The 1-D dataset ds (named where) holds floats (float32/64; want_float) or integers (8 to 64
 * bits), stored in the file, at most max elements and no more than its stored bytes can hold
 * (a length that no data backs is refused): its length into *n, whether its integers are
 * signed into *is_signed. expect says in messages what was wanted ("integers (uint64)"). */
int hdf_check_1d(const char *file, hid_t ds, const char *where, int want_float,
                 const char *expect, uint64_t max, uint64_t *n, int *is_signed, struct err *e);
/* The string attribute name of obj (fixed or variable length, one element) into buf (n bytes,
 * cut short if longer): 1, 0 if obj has no such attribute, -1 if it is not one readable
 * string. */
int hdf_attr_text(hid_t obj, const char *name, char *buf, size_t n);
/* Elements [at, at + k) of the 1-D dataset ds as memtype into buf; -1 on failure. */
int hdf_read(hid_t ds, hid_t memtype, uint64_t at, size_t k, void *buf);

#endif
