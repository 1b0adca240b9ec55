#include "cimagecodec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

static void copy_message(char *error, size_t error_size, const char *message) {
    if (error_size == 0) return;
    strncpy(error, message, error_size - 1);
    error[error_size - 1] = '\0';
}

// --- JPEG: errors jump back here instead of calling exit().

struct jump_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void on_error(j_common_ptr info) {
    struct jump_error *e = (struct jump_error *)info->err;
    (*info->err->format_message)(info, e->message);
    longjmp(e->jump, 1);
}

static void on_output(j_common_ptr info) { (void)info; }  // say nothing on stderr

// Warnings: most are harmless ("extraneous bytes before marker" from some cameras), but a
// file cut short or with damaged data would decode to a grey half picture: those are errors.
static void on_message(j_common_ptr info, int level) {
    if (level == -1) {
        int code = info->err->msg_code;
        if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_MUST_RESYNC) on_error(info);
        info->err->num_warnings++;
    }
}

// An error manager that jumps back instead of exiting, says nothing on stderr, and treats a
// damaged file as an error.
static struct jpeg_error_mgr *jump_errors(struct jump_error *e) {
    struct jpeg_error_mgr *manager = jpeg_std_error(&e->manager);
    manager->error_exit = on_error;
    manager->output_message = on_output;
    manager->emit_message = on_message;
    return manager;
}

static unsigned read16(const unsigned char *p, int little) {
    return little ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static unsigned long read32(const unsigned char *p, int little) {
    return little ? ((unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24)
                  : ((unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | (unsigned long)p[3]);
}

// The orientation tag (0x0112) of an APP1 "Exif" segment's first IFD, bounds-checked.
static int exif_orientation(const unsigned char *data, unsigned length) {
    if (length < 14 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
    const unsigned char *tiff = data + 6;
    unsigned long size = length - 6;
    int little;
    if (memcmp(tiff, "II", 2) == 0) little = 1;
    else if (memcmp(tiff, "MM", 2) == 0) little = 0;
    else return 1;
    unsigned long ifd = read32(tiff + 4, little);
    if (ifd > size || size - ifd < 2) return 1;
    unsigned count = read16(tiff + ifd, little);
    for (unsigned i = 0; i < count; i++) {
        unsigned long entry = ifd + 2 + 12 * (unsigned long)i;
        if (entry > size || size - entry < 12) return 1;
        if (read16(tiff + entry, little) == 0x0112) {
            unsigned value = read16(tiff + entry + 8, little);
            return value >= 1 && value <= 8 ? (int)value : 1;
        }
    }
    return 1;
}

int sanctuary_jpeg_size(const unsigned char *data, size_t size, int *width, int *height, char *error, size_t error_size) {
    struct jpeg_decompress_struct info;
    struct jump_error e;
    info.err = jump_errors(&e);
    if (setjmp(e.jump)) {
        copy_message(error, error_size, e.message);
        jpeg_destroy_decompress(&info);
        return 1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    *width = (int)info.image_width;
    *height = (int)info.image_height;
    jpeg_destroy_decompress(&info);
    return 0;
}

// What one JPEG may cost before a pixel is decoded. The whole picture, at full resolution,
// is refused past SOURCE_PIXELS whatever the scale it would be decoded at (scaling saves
// the output, not the reading). A progressive JPEG keeps every coefficient of the whole
// picture (2 bytes a sample) until its last scan: past PROGRESSIVE_SAMPLES it is refused.
// libjpeg's own allocations stop at MEMORY_LIMIT, and SCAN_LIMIT scans (what djpeg's
// -maxscans guards against: a small file of thousands of scans takes minutes of CPU).
enum {
    SOURCE_PIXELS = 100 * 1000 * 1000,
    PROGRESSIVE_SAMPLES = 64 * 1000 * 1000,
    SCAN_LIMIT = 64,
};
static const long MEMORY_LIMIT = 192L * 1024 * 1024;

static void refuse(j_common_ptr info, const char *why) {
    struct jump_error *e = (struct jump_error *)info->err;
    copy_message(e->message, sizeof e->message, why);
    longjmp(e->jump, 2);
}

// The progress monitor: called by libjpeg as it reads; stops a file of too many scans.
static void count_scans(j_common_ptr info) {
    if (!info->is_decompressor) return;
    j_decompress_ptr decompress = (j_decompress_ptr)info;
    if (decompress->input_scan_number > SCAN_LIMIT) refuse(info, "the image has too many scans");
}

int sanctuary_jpeg_decode(const unsigned char *data, size_t size, int scale_denom, long max_pixels,
                          unsigned char **pixels, int *width, int *height, int *orientation,
                          char *error, size_t error_size) {
    struct jpeg_decompress_struct info;
    struct jump_error e;
    unsigned char *volatile buffer = NULL;
    unsigned char *volatile row = NULL;
    struct jpeg_progress_mgr progress = {.progress_monitor = count_scans};
    *pixels = NULL;
    info.err = jump_errors(&e);
    int jumped = setjmp(e.jump);
    if (jumped) {
        // Past libjpeg's memory limit is "too large" too, not a damaged file.
        int code = e.manager.msg_code;
        if (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE) jumped = 2;
        copy_message(error, error_size, e.message);
        jpeg_destroy_decompress(&info);
        free(buffer);
        free(row);
        return jumped == 2 ? 2 : 1;
    }
    jpeg_create_decompress(&info);
    info.mem->max_memory_to_use = MEMORY_LIMIT;
    info.progress = &progress;
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    // Before anything is decoded: the picture's own size, not the scaled one.
    long source_pixels = (long)info.image_width * (long)info.image_height;
    if (info.num_components > 4 || source_pixels > SOURCE_PIXELS ||
        (jpeg_has_multiple_scans(&info) && source_pixels * info.num_components > PROGRESSIVE_SAMPLES)) {
        copy_message(error, error_size, "the image is too large");
        jpeg_destroy_decompress(&info);
        return 2;
    }
    *orientation = 1;
    for (jpeg_saved_marker_ptr m = info.marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) {
            int o = exif_orientation(m->data, m->data_length);
            if (o != 1) { *orientation = o; break; }
        }
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    info.scale_num = 1;
    info.scale_denom = (unsigned)(scale_denom == 2 || scale_denom == 4 || scale_denom == 8 ? scale_denom : 1);
    info.dct_method = JDCT_ISLOW;
    jpeg_calc_output_dimensions(&info);
    long pixel_count = (long)info.output_width * (long)info.output_height;
    if (info.output_width == 0 || info.output_height == 0 || pixel_count > max_pixels) {
        copy_message(error, error_size, "the image is too large");
        jpeg_destroy_decompress(&info);
        return 2;
    }
    jpeg_start_decompress(&info);
    int components = info.output_components;
    if ((cmyk && components != 4) || (!cmyk && components != 3)) {
        copy_message(error, error_size, "unsupported colour format");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    size_t out_row = (size_t)info.output_width * 3;
    buffer = malloc(out_row * info.output_height);
    row = malloc((size_t)info.output_width * (size_t)components);
    if (buffer == NULL || row == NULL) {
        copy_message(error, error_size, "out of memory");
        jpeg_destroy_decompress(&info);
        free(buffer);
        free(row);
        return 1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW rows[1] = {row};
        unsigned y = info.output_scanline;
        jpeg_read_scanlines(&info, rows, 1);
        unsigned char *target = buffer + out_row * y;
        if (cmyk) {
            // Adobe's CMYK JPEGs are stored inverted: R = C·K/255.
            for (unsigned x = 0; x < info.output_width; x++) {
                unsigned k = row[4 * x + 3];
                target[3 * x] = (unsigned char)(row[4 * x] * k / 255);
                target[3 * x + 1] = (unsigned char)(row[4 * x + 1] * k / 255);
                target[3 * x + 2] = (unsigned char)(row[4 * x + 2] * k / 255);
            }
        } else {
            memcpy(target, row, out_row);
        }
    }
    jpeg_finish_decompress(&info);
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    jpeg_destroy_decompress(&info);
    free(row);
    *pixels = buffer;
    return 0;
}

int sanctuary_jpeg_encode(const unsigned char *rgb, int width, int height, int quality,
                          unsigned char **out, size_t *out_size, char *error, size_t error_size) {
    struct jpeg_compress_struct info;
    struct jump_error e;
    unsigned char *memory = NULL;
    unsigned long memory_size = 0;
    *out = NULL;
    info.err = jump_errors(&e);
    if (setjmp(e.jump)) {
        copy_message(error, error_size, e.message);
        jpeg_destroy_compress(&info);
        free(memory);
        return 1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &memory, &memory_size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    info.optimize_coding = TRUE;
    info.write_JFIF_header = TRUE;
    jpeg_simple_progression(&info);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * 3;
    while (info.next_scanline < info.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(rgb + stride * info.next_scanline)};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = memory;
    *out_size = memory_size;
    return 0;
}

// --- PNG, through libpng's simplified API (no longjmp reaches us).

int sanctuary_png_decode(const unsigned char *data, size_t size, long max_pixels,
                         unsigned char **pixels, int *width, int *height, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    *pixels = NULL;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        copy_message(error, error_size, image.message);
        png_image_free(&image);
        return 1;
    }
    if (image.width == 0 || image.height == 0 || (long)image.width * (long)image.height > max_pixels) {
        copy_message(error, error_size, "the image is too large");
        png_image_free(&image);
        return 2;
    }
    image.format = PNG_FORMAT_RGBA;
    unsigned char *buffer = malloc(PNG_IMAGE_SIZE(image));
    if (buffer == NULL) {
        copy_message(error, error_size, "out of memory");
        png_image_free(&image);
        return 1;
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        copy_message(error, error_size, image.message);
        png_image_free(&image);
        free(buffer);
        return 1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *pixels = buffer;
    return 0;
}

int sanctuary_png_encode(const unsigned char *rgba, int width, int height,
                         unsigned char **out, size_t *out_size, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGBA;
    png_alloc_size_t size = 0;
    *out = NULL;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, rgba, 0, NULL)) {
        copy_message(error, error_size, image.message);
        return 1;
    }
    unsigned char *buffer = malloc(size);
    if (buffer == NULL) {
        copy_message(error, error_size, "out of memory");
        return 1;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, rgba, 0, NULL)) {
        copy_message(error, error_size, image.message);
        free(buffer);
        return 1;
    }
    *out = buffer;
    *out_size = size;
    return 0;
}

void sanctuary_image_free(void *pointer) { free(pointer); }
