// Thin C glue over libtiff for Swift: libtiff's field accessors are variadic and its error
// handlers take a va_list, neither of which Swift can call or implement directly.
#ifndef CTIFF_H
#define CTIFF_H
#include <stddef.h>
#include <stdint.h>
#include <tiffio.h>

/// Errors libtiff reported for one open file: the first message and how many there were.
typedef struct {
    char first[512];
    int count;
} ctiff_errors;

/// Opens `path` with `mode` ("r", "w"), routing libtiff's errors into `errors` (which must
/// outlive the handle) and dropping its warnings. `max_single_alloc` > 0 caps any one buffer
/// libtiff allocates for this file (its strip, tile and tag buffers are sized from the
/// header, so a forged header could otherwise ask for gigabytes); 0 keeps libtiff's default.
/// NULL on failure.
TIFF *ctiff_open(const char *path, const char *mode, ctiff_errors *errors, tmsize_t max_single_alloc);

int ctiff_get_u32(TIFF *tif, uint32_t tag, uint32_t *value);
int ctiff_get_u16(TIFF *tif, uint32_t tag, uint16_t *value);   // with libtiff's defaults
/// An ASCII tag of the current directory (e.g. ImageDescription, where OME-TIFF keeps its XML);
/// 0 when absent. The string belongs to libtiff and lives until the directory changes.
int ctiff_get_string(TIFF *tif, uint32_t tag, const char **value);
int ctiff_set_u32(TIFF *tif, uint32_t tag, uint32_t value);
int ctiff_set_string(TIFF *tif, uint32_t tag, const char *value);
int ctiff_set_u16(TIFF *tif, uint32_t tag, uint16_t value);
#endif
