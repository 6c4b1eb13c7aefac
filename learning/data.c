/* learning/data: data sets in memory and the Fashion-MNIST loader. */
#include "learning/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learning/data_idx.h"

struct data_set *data_create(uint32_t n, uint32_t nin, uint32_t nclass)
{
    struct data_set *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->n = n;
    d->nin = nin;
    d->nclass = nclass;
    size_t nx = (size_t)n * nin;
    d->x = calloc(nx ? nx : 1, sizeof *d->x);
    d->y = calloc(n ? n : 1, 1);
    if (!d->x || !d->y) {
        data_destroy(d);
        return NULL;
    }
    return d;
}

void data_destroy(struct data_set *d)
{
    if (!d) return;
    free(d->x);
    free(d->y);
    free(d);
}

static int fmnist_read(const char *dir, const char *stem, const char *kind, struct idx *x,
                       char *path, size_t pathn, struct err *e)
{
    snprintf(path, pathn, "%s/%s-%s.gz", dir, stem, kind);
    if (access(path, F_OK) != 0)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "Fashion-MNIST file not found; Debian's package %s provides it "
                       "(apt-get install %s)",
                       DATA_FMNIST_PACKAGE, DATA_FMNIST_PACKAGE);
    return idx_read(path, x, e);
}

int data_fmnist_load(const char *dir, enum data_split split, struct data_set **out, struct err *e)
{
    *out = NULL;
    if (split == DATA_VALID)
        return err_set(e, ERR_INPUT, NULL, 0, NULL,
                       "Fashion-MNIST has no validation split: hold out part of train");
    if (!dir) dir = DATA_FMNIST_DIR;
    const char *stem = split == DATA_TRAIN ? "train" : "t10k";
    char ipath[1024], lpath[1024];
    struct idx img, lab;
    int rc = fmnist_read(dir, stem, "images-idx3-ubyte", &img, ipath, sizeof ipath, e);
    if (rc) return rc;
    rc = fmnist_read(dir, stem, "labels-idx1-ubyte", &lab, lpath, sizeof lpath, e);
    if (rc) {
        idx_free(&img);
        return rc;
    }
    const int side = DATA_FMNIST_SIDE;
    if (img.ndim != 3 || img.dim[1] != (uint32_t)side || img.dim[2] != (uint32_t)side)
        rc = err_set(e, ERR_INPUT, ipath, 0, NULL,
                     "expected images of %d x %d pixels (3 dimensions: n x %d x %d), found %d "
                     "dimensions (%u x %u x ...)",
                     side, side, side, side, img.ndim, img.dim[0], img.ndim > 1 ? img.dim[1] : 0);
    else if (lab.ndim != 1)
        rc = err_set(e, ERR_INPUT, lpath, 0, NULL, "expected 1 dimension of labels, found %d",
                     lab.ndim);
    else if (lab.dim[0] != img.dim[0])
        rc = err_set(e, ERR_INPUT, lpath, 0, NULL, "%u labels for %u images in %s", lab.dim[0],
                     img.dim[0], ipath);
    for (uint32_t i = 0; !rc && i < lab.dim[0]; i++)
        if (lab.data[i] >= DATA_FMNIST_CLASSES)
            rc = err_set(e, ERR_INPUT, lpath, 0, NULL, "label %u of sample %u: classes are 0 to %d",
                         lab.data[i], i, DATA_FMNIST_CLASSES - 1);
    struct data_set *d = NULL;
    if (!rc) {
        d = data_create(img.dim[0], (uint32_t)(side * side), DATA_FMNIST_CLASSES);
        if (!d) rc = err_set(e, ERR_NOMEM, ipath, 0, NULL, "out of memory for the data set");
    }
    if (!rc) {
        snprintf(d->name, sizeof d->name, "fashion-mnist %s",
                 split == DATA_TRAIN ? "train" : "test");
        for (size_t k = 0; k < img.n; k++) d->x[k] = (float)img.data[k] / 255.0f;
        memcpy(d->y, lab.data, d->n);
        *out = d;
    }
    idx_free(&img);
    idx_free(&lab);
    return rc;
}
