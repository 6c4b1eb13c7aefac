/* core/version: the program version, reported by --version and in every summary. */
#ifndef APICAL_VERSION_H
#define APICAL_VERSION_H

#define APICAL_VERSION "0.1.0"

#endif
