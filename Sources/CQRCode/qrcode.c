#include "cqrcode.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

// libqrencode's result, as qrencode.h declares it.
typedef struct {
    int version;
    int width;
    unsigned char *data;  // width × width bytes; bit 0 set: a dark module
} QRcode;

typedef QRcode *(*encode_string_fn)(const char *, int, int, int, int);
typedef void (*free_fn)(QRcode *);

static encode_string_fn encode_string;
static free_fn free_code;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t encoding = PTHREAD_MUTEX_INITIALIZER;

static void load(void) {
    void *library = dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    encode_string_fn encode = (encode_string_fn)dlsym(library, "QRcode_encodeString");
    free_fn release = (free_fn)dlsym(library, "QRcode_free");
    if (!encode || !release) return;
    free_code = release;
    encode_string = encode;
}

int cqr_available(void) {
    pthread_once(&load_once, load);
    return encode_string != NULL;
}

int cqr_encode(const char *text, unsigned char *modules, int capacity) {
    if (!cqr_available() || !text || !modules) return 0;
    // QR_ECLEVEL_M = 1, QR_MODE_8 = 2, case-sensitive. One at a time: builds without thread
    // safety share state between calls.
    pthread_mutex_lock(&encoding);
    QRcode *code = encode_string(text, 0, 1, 2, 1);
    int width = 0;
    if (code && code->width > 0 && (long)code->width * code->width <= capacity) {
        width = code->width;
        for (int i = 0; i < width * width; i++) modules[i] = code->data[i] & 1;
    }
    if (code) free_code(code);
    pthread_mutex_unlock(&encoding);
    return width;
}
