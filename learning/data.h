/* learning/data: a labelled data set held in memory (features scaled to [0, 1], one class label per
 * sample), and the Fashion-MNIST loader that fills one from Debian's dataset-fashion-mnist files.
 * Generated sets live in their own modules (learning/data_yinyang); encoders turn a sample's
 * features into input (learning/data_encode). */
#ifndef APICAL_DATA_H
#define APICAL_DATA_H

#include <stdint.h>

#include "core/err.h"

enum data_split { DATA_TRAIN, DATA_VALID, DATA_TEST };

struct data_set {
    char name[64]; /* "fashion-mnist train", "yinyang test", ... */
    uint32_t n;    /* samples */
    uint32_t nin;  /* features per sample */
    uint32_t nclass;
    float *x;   /* n x nin, row-major, each in [0, 1] */
    uint8_t *y; /* n labels, each < nclass */
};

/* A zeroed set; NULL when out of memory. */
struct data_set *data_create(uint32_t n, uint32_t nin, uint32_t nclass);
void data_destroy(struct data_set *d);

/* Fashion-MNIST (Xiao et al. 2017): 60000 train and 10000 test 28 x 28 greyscale images in 10
 * classes, as IDX gzip files. */
#define DATA_FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define DATA_FMNIST_PACKAGE "dataset-fashion-mnist"
#define DATA_FMNIST_SIDE 28
#define DATA_FMNIST_CLASSES 10

/* Loads the train or test split from dir (NULL: DATA_FMNIST_DIR): {train,t10k}-images-idx3-ubyte.gz
 * and the matching labels-idx1-ubyte.gz; pixels become x = byte / 255. Besides the IDX checks of
 * learning/data_idx, the images must be n x 28 x 28, the labels n long and each below 10. A
 * missing file is ERR_INPUT naming it and the Debian package that provides it; DATA_VALID is
 * ERR_INPUT (Fashion-MNIST ships no validation split: hold out part of train). */
int data_fmnist_load(const char *dir, enum data_split split, struct data_set **out, struct err *e);

#endif
