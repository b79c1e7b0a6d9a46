#include "ctiff.h"
#include <stdarg.h>
#include <stdio.h>

static int ctiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    ctiff_errors *e = (ctiff_errors *)user;
    if (e) {
        if (e->count == 0) vsnprintf(e->first, sizeof e->first, fmt, ap);
        e->count++;
    }
    return 1;
}

static int ctiff_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

TIFF *ctiff_open(const char *path, const char *mode, ctiff_errors *errors, tmsize_t max_single_alloc) {
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (max_single_alloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(opts, max_single_alloc);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, ctiff_error, errors);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ctiff_warning, NULL);
    TIFF *tif = TIFFOpenExt(path, mode, opts);
    TIFFOpenOptionsFree(opts);
    return tif;
}

int ctiff_get_u32(TIFF *tif, uint32_t tag, uint32_t *value) { return TIFFGetField(tif, tag, value); }
int ctiff_get_u16(TIFF *tif, uint32_t tag, uint16_t *value) { return TIFFGetFieldDefaulted(tif, tag, value); }
int ctiff_get_string(TIFF *tif, uint32_t tag, const char **value) { return TIFFGetField(tif, tag, value); }
int ctiff_set_u32(TIFF *tif, uint32_t tag, uint32_t value) { return TIFFSetField(tif, tag, value); }
int ctiff_set_string(TIFF *tif, uint32_t tag, const char *value) { return TIFFSetField(tif, tag, value); }
int ctiff_set_u16(TIFF *tif, uint32_t tag, uint16_t value) { return TIFFSetField(tif, tag, (int)value); }
