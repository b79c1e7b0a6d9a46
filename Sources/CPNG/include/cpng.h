// Thin C glue over libpng for Swift: libpng reports errors by longjmp, which Swift cannot
// catch, so the whole decode runs here and comes back as a status and a message.
#ifndef CPNG_H
#define CPNG_H
#include <stddef.h>
#include <stdint.h>

/// A decoded PNG: `channels` interleaved samples per pixel (1 gray, 2 gray+alpha, 3 RGB,
/// 4 RGBA) of `bit_depth` bits (8, or 16 stored big-endian), rows back to back. Palettes are
/// expanded to RGB, gray below 8 bits to 8 bits, and interlaced files de-interlaced.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int channels;
    uint8_t *pixels;   // malloc'ed; the caller frees it with free()
    size_t size;
    char message[256]; // why decoding failed, when it did
} cpng_image;

/// Decodes the PNG in `data[0..<size]`. The header's size is checked before any pixel
/// buffer exists: width * height * channels * bytes per sample, overflow-checked, must not
/// exceed `max_bytes`; the image data the header implies (height * row bytes at the file's
/// own depth, a lower bound on the zlib stream it needs) must not exceed `max_inflated`,
/// the most the file's bytes can inflate to (a decompression bomb is refused before its
/// buffer exists); and no ancillary chunk may decompress past `max_chunk_bytes`.
/// Returns 0 on success, -1 with `image->message` set otherwise.
int cpng_decode(const uint8_t *data, size_t size, uint64_t max_bytes, uint64_t max_inflated, size_t max_chunk_bytes,
                cpng_image *image);
#endif
