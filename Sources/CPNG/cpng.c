#include "cpng.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    cpng_image *image;
} cpng_reader;

static void cpng_read(png_structp png, png_bytep out, png_size_t length) {
    cpng_reader *r = (cpng_reader *)png_get_io_ptr(png);
    if (length > r->size - r->pos) png_error(png, "truncated PNG (data ends early)");
    memcpy(out, r->data + r->pos, length);
    r->pos += length;
}

static void cpng_error(png_structp png, png_const_charp message) {
    cpng_reader *r = (cpng_reader *)png_get_error_ptr(png);
    snprintf(r->image->message, sizeof r->image->message, "%s", message);
    png_longjmp(png, 1);
}

static void cpng_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int cpng_decode(const uint8_t *data, size_t size, uint64_t max_bytes, uint64_t max_inflated, size_t max_chunk_bytes,
                cpng_image *image) {
    memset(image, 0, sizeof *image);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(image->message, sizeof image->message, "not a PNG file");
        return -1;
    }
    cpng_reader reader = { data, size, 0, image };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, cpng_error, cpng_warning);
    if (!png) { snprintf(image->message, sizeof image->message, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    // Volatile: assigned after setjmp and read after a longjmp back to it.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        if (!info) snprintf(image->message, sizeof image->message, "out of memory");
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        image->pixels = NULL;
        return -1;
    }
    png_set_read_fn(png, &reader, cpng_read);
    png_set_chunk_malloc_max(png, max_chunk_bytes);
    png_read_info(png, info);
    // Before any transform, the row bytes are those of the stored stream: every row (or, when
    // interlaced, the pieces of it the passes hold, each rounded up to whole bytes) must come
    // out of the zlib stream, which lies within the file's `size` bytes. Filter bytes are left
    // out, so this is a lower bound on what a valid file inflates to.
    uint64_t stored_rows = png_get_image_height(png, info), stored_row_bytes = png_get_rowbytes(png, info);
    int stored_overflows = stored_row_bytes != 0 && stored_rows > UINT64_MAX / stored_row_bytes;
    uint64_t stored = stored_overflows ? UINT64_MAX : stored_rows * stored_row_bytes;
    if (stored > max_inflated) {
        snprintf(image->message, sizeof image->message,
                 "header size %ux%u needs %llu bytes of image data but the file's %zu bytes can inflate to at most %llu (decompression bomb, or a forged or corrupt header)",
                 png_get_image_width(png, info), png_get_image_height(png, info), (unsigned long long)stored, size,
                 (unsigned long long)max_inflated);
        png_longjmp(png, 1);
    }
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    uint32_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int channels = png_get_channels(png, info), out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    uint64_t pixel_bytes = (uint64_t)channels * (uint64_t)(out_depth / 8);
    // width, height < 2^31 (libpng's own limit), pixel_bytes <= 8: no product overflows 64 bits.
    uint64_t total = (uint64_t)width * (uint64_t)height * pixel_bytes;
    if (width == 0 || height == 0 || (out_depth != 8 && out_depth != 16) || rowbytes != (uint64_t)width * pixel_bytes) {
        snprintf(image->message, sizeof image->message, "unsupported layout: %ux%u, %d channels of %d bits",
                 width, height, channels, out_depth);
        png_longjmp(png, 1);
    }
    if (total > max_bytes || total > SIZE_MAX) {
        snprintf(image->message, sizeof image->message, "header size %ux%u (%d channels of %d bits) is over the %llu MiB decode budget",
                 width, height, channels, out_depth, (unsigned long long)(max_bytes >> 20));
        png_longjmp(png, 1);
    }
    pixels = malloc((size_t)total);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    image->width = width;
    image->height = height;
    image->bit_depth = out_depth;
    image->channels = channels;
    image->pixels = pixels;
    image->size = (size_t)total;
    return 0;
}
