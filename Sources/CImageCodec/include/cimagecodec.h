#ifndef CIMAGECODEC_H
#define CIMAGECODEC_H
#include <stddef.h>

// Our glue over libjpeg and libpng: libjpeg reports errors by longjmp, which Swift cannot
// catch, so the calls that may fail live here, each turning an error into a return code
// and a message. No codec is written here: decoding and encoding are the libraries'.

// JPEG → 8-bit RGB, scaled down by libjpeg's DCT scaling to 1/`scale_denom` (1, 2, 4, 8).
// Refuses images whose scaled size is over `max_pixels`. `orientation` is the EXIF
// orientation (1–8; 1 when absent), which the caller applies: the metadata itself is dropped.
int sanctuary_jpeg_decode(const unsigned char *data, size_t size, int scale_denom, long max_pixels,
                          unsigned char **pixels, int *width, int *height, int *orientation,
                          char *error, size_t error_size);

// The size of a JPEG without decoding it (for choosing the scale).
int sanctuary_jpeg_size(const unsigned char *data, size_t size, int *width, int *height, char *error, size_t error_size);

// 8-bit RGB → progressive JPEG with optimised Huffman tables; no metadata is written.
int sanctuary_jpeg_encode(const unsigned char *rgb, int width, int height, int quality,
                          unsigned char **out, size_t *out_size, char *error, size_t error_size);

// PNG → 8-bit RGBA (any PNG: palette, grey, 16-bit are converted by libpng).
int sanctuary_png_decode(const unsigned char *data, size_t size, long max_pixels,
                         unsigned char **pixels, int *width, int *height, char *error, size_t error_size);

// 8-bit RGBA → PNG; no metadata chunks.
int sanctuary_png_encode(const unsigned char *rgba, int width, int height,
                         unsigned char **out, size_t *out_size, char *error, size_t error_size);

void sanctuary_image_free(void *pointer);

#endif
