#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// libcurl's functions as it exports them; the variadic setopt and getinfo are called through
// their real (variadic) types, so the arguments are passed as libcurl reads them.
typedef void *(*easy_init_fn)(void);
typedef void (*easy_cleanup_fn)(void *);
typedef int (*easy_setopt_fn)(void *, int, ...);
typedef int (*easy_perform_fn)(void *);
typedef int (*easy_getinfo_fn)(void *, int, ...);
typedef const char *(*easy_strerror_fn)(int);
typedef void *(*slist_append_fn)(void *, const char *);
typedef void (*slist_free_all_fn)(void *);
typedef int (*global_init_fn)(long);
typedef const char *(*version_fn)(void);
typedef void *(*multi_init_fn)(void);
typedef int (*multi_cleanup_fn)(void *);
typedef int (*multi_handle_fn)(void *, void *);
typedef int (*multi_perform_fn)(void *, int *);
typedef int (*multi_poll_fn)(void *, void *, unsigned int, int, int *);
typedef void *(*multi_info_read_fn)(void *, int *);

static struct {
    easy_init_fn easy_init;
    easy_cleanup_fn easy_cleanup;
    easy_setopt_fn easy_setopt;
    easy_perform_fn easy_perform;
    easy_getinfo_fn easy_getinfo;
    easy_strerror_fn easy_strerror;
    slist_append_fn slist_append;
    slist_free_all_fn slist_free_all;
    version_fn version;
    int ready;
    // The multi interface (several transfers at once); `multi` when all were found.
    multi_init_fn multi_init;
    multi_cleanup_fn multi_cleanup;
    multi_handle_fn multi_add_handle;
    multi_handle_fn multi_remove_handle;
    multi_perform_fn multi_perform;
    multi_poll_fn multi_poll;
    multi_info_read_fn multi_info_read;
    int multi;
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    curl.easy_init = (easy_init_fn)dlsym(library, "curl_easy_init");
    curl.easy_cleanup = (easy_cleanup_fn)dlsym(library, "curl_easy_cleanup");
    curl.easy_setopt = (easy_setopt_fn)dlsym(library, "curl_easy_setopt");
    curl.easy_perform = (easy_perform_fn)dlsym(library, "curl_easy_perform");
    curl.easy_getinfo = (easy_getinfo_fn)dlsym(library, "curl_easy_getinfo");
    curl.easy_strerror = (easy_strerror_fn)dlsym(library, "curl_easy_strerror");
    curl.slist_append = (slist_append_fn)dlsym(library, "curl_slist_append");
    curl.slist_free_all = (slist_free_all_fn)dlsym(library, "curl_slist_free_all");
    curl.version = (version_fn)dlsym(library, "curl_version");
    curl.multi_init = (multi_init_fn)dlsym(library, "curl_multi_init");
    curl.multi_cleanup = (multi_cleanup_fn)dlsym(library, "curl_multi_cleanup");
    curl.multi_add_handle = (multi_handle_fn)dlsym(library, "curl_multi_add_handle");
    curl.multi_remove_handle = (multi_handle_fn)dlsym(library, "curl_multi_remove_handle");
    curl.multi_perform = (multi_perform_fn)dlsym(library, "curl_multi_perform");
    curl.multi_poll = (multi_poll_fn)dlsym(library, "curl_multi_poll");  // libcurl 7.66 or later
    curl.multi_info_read = (multi_info_read_fn)dlsym(library, "curl_multi_info_read");
    curl.multi = curl.multi_init && curl.multi_cleanup && curl.multi_add_handle && curl.multi_remove_handle &&
                 curl.multi_perform && curl.multi_poll && curl.multi_info_read;
    global_init_fn global_init = (global_init_fn)dlsym(library, "curl_global_init");
    if (!curl.easy_init || !curl.easy_cleanup || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo ||
        !curl.easy_strerror || !curl.slist_append || !curl.slist_free_all || !curl.version || !global_init)
        return;
    // CURL_GLOBAL_ALL (SSL | WIN32): once per process, before any thread uses a handle.
    if (global_init(3L) != 0) return;
    curl.ready = 1;
}

int ccurl_load(void) {
    pthread_once(&load_once, load);
    return curl.ready;
}

const char *ccurl_version(void) { return ccurl_load() ? curl.version() : ""; }

// What travels with each handle: the message being read and the recipient list.
typedef struct {
    void *handle;
    const char *data;
    size_t length;
    size_t offset;
    void *recipients;
    int stage;
    int quitting;
    // The reply being read: its lines joined by " / ". `complete` once its last line
    // ("250 ok", a space after the code) has come, so the next line starts a new reply.
    char reply[1024];
    size_t reply_length;
    int complete;
    // libcurl's readable error for the last transfer (CURLOPT_ERRORBUFFER).
    char error[256];
} sender;

// libcurl's curl_infotype values.
enum { INFO_TEXT = 0, INFO_HEADER_IN = 1, INFO_HEADER_OUT = 2, INFO_DATA_OUT = 4 };

static int starts_with(const char *data, size_t size, const char *word) {
    size_t n = strlen(word);
    if (size < n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = data[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (c != word[i]) return 0;
    }
    return 1;
}

// CURLOPT_DEBUGFUNCTION: follows the SMTP conversation. Commands only move the stage (their
// arguments, AUTH's credentials among them, are not looked at); replies are kept whole.
static int trace(void *handle, int type, char *data, size_t size, void *user) {
    (void)handle;
    sender *s = user;
    if (type == INFO_HEADER_OUT) {
        if (starts_with(data, size, "EHLO") || starts_with(data, size, "HELO") || starts_with(data, size, "STARTTLS"))
            s->stage = CCURL_STAGE_HELLO;
        else if (starts_with(data, size, "AUTH")) s->stage = CCURL_STAGE_AUTH;
        else if (starts_with(data, size, "MAIL")) s->stage = CCURL_STAGE_MAIL;
        else if (starts_with(data, size, "RCPT")) s->stage = CCURL_STAGE_RCPT;
        else if (starts_with(data, size, "DATA")) s->stage = CCURL_STAGE_DATA;
        else if (starts_with(data, size, "QUIT")) s->quitting = 1;
    } else if (s->quitting) {
        // After QUIT (sent as a failed transfer closes): the failure's reply stays the one kept.
        return 0;
    } else if (type == INFO_DATA_OUT) {
        if (s->stage == CCURL_STAGE_DATA) s->stage = CCURL_STAGE_MESSAGE;
    } else if (type == INFO_HEADER_IN) {
        while (size > 0 && (data[size - 1] == '\r' || data[size - 1] == '\n')) size--;
        if (s->complete) {
            s->reply_length = 0;
            s->complete = 0;
        }
        if (s->reply_length > 0 && s->reply_length + 3 < sizeof s->reply) {
            memcpy(s->reply + s->reply_length, " / ", 3);
            s->reply_length += 3;
        }
        size_t room = sizeof s->reply - 1 - s->reply_length;
        size_t n = size < room ? size : room;
        for (size_t i = 0; i < n; i++) {
            char c = data[i];
            s->reply[s->reply_length + i] = (c >= 32 && c < 127) ? c : '?';
        }
        s->reply_length += n;
        s->reply[s->reply_length] = 0;
        // "250-more" continues a reply; "250 last" (or a bare code) ends it.
        if (size < 4 || data[3] != '-') s->complete = 1;
    }
    return 0;
}

static int prepare(sender *s);

// The handle given to Swift is our `sender`; libcurl's handle is inside it.
void *ccurl_easy_init(void) {
    if (!ccurl_load()) return NULL;
    sender *s = calloc(1, sizeof(sender));
    if (!s) return NULL;
    s->handle = curl.easy_init();
    if (!s->handle || prepare(s) != 0) {
        if (s->handle) curl.easy_cleanup(s->handle);
        free(s);
        return NULL;
    }
    return s;
}

void ccurl_easy_cleanup(void *handle) {
    sender *s = handle;
    if (!s) return;
    curl.easy_cleanup(s->handle);
    if (s->recipients) curl.slist_free_all(s->recipients);
    free(s);
}

int ccurl_setopt_long(void *handle, int option, long value) {
    return curl.easy_setopt(((sender *)handle)->handle, option, value);
}

int ccurl_setopt_string(void *handle, int option, const char *value) {
    return curl.easy_setopt(((sender *)handle)->handle, option, value);
}

int ccurl_setopt_pointer(void *handle, int option, void *value) {
    return curl.easy_setopt(((sender *)handle)->handle, option, value);
}

int ccurl_set_recipients(void *handle, const char *const *addresses, int count) {
    sender *s = handle;
    if (s->recipients) curl.slist_free_all(s->recipients);
    s->recipients = NULL;
    for (int i = 0; i < count; i++) {
        void *grown = curl.slist_append(s->recipients, addresses[i]);
        if (!grown) return 27;  // CURLE_OUT_OF_MEMORY
        s->recipients = grown;
    }
    return curl.easy_setopt(s->handle, 10187 /* CURLOPT_MAIL_RCPT */, s->recipients);
}

static size_t read_message(char *buffer, size_t size, size_t count, void *user) {
    sender *s = user;
    size_t room = size * count;
    size_t left = s->length - s->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, s->data + s->offset, n);
    s->offset += n;
    return n;
}

// What every message on a handle shares: the trace and the reading of the message. Set
// once, when the handle is made (libcurl keeps options across transfers on one handle).
static int prepare(sender *s) {
    int code = curl.easy_setopt(s->handle, 20094 /* CURLOPT_DEBUGFUNCTION */, trace);
    if (code == 0) code = curl.easy_setopt(s->handle, 10010 /* CURLOPT_ERRORBUFFER */, s->error);
    if (code == 0) code = curl.easy_setopt(s->handle, 10103 /* CURLOPT_PRIVATE */, (void *)s);
    if (code == 0) code = curl.easy_setopt(s->handle, 10095 /* CURLOPT_DEBUGDATA */, (void *)s);
    if (code == 0) code = curl.easy_setopt(s->handle, 41 /* CURLOPT_VERBOSE */, 1L);
    if (code == 0) code = curl.easy_setopt(s->handle, 20012 /* CURLOPT_READFUNCTION */, read_message);
    if (code == 0) code = curl.easy_setopt(s->handle, 10009 /* CURLOPT_READDATA */, (void *)s);
    if (code == 0) code = curl.easy_setopt(s->handle, 46 /* CURLOPT_UPLOAD */, 1L);
    return code;
}

int ccurl_set_message(void *handle, const char *data, size_t length) {
    sender *s = handle;
    s->data = data;
    s->length = length;
    s->offset = 0;
    if (!data) return 0;
    s->stage = CCURL_STAGE_CONNECT;
    s->quitting = 0;
    s->reply_length = 0;
    s->reply[0] = 0;
    s->complete = 0;
    s->error[0] = 0;
    return curl.easy_setopt(s->handle, 30115 /* CURLOPT_INFILESIZE_LARGE */, (long long)length);
}

const char *ccurl_error_text(void *handle) { return ((sender *)handle)->error; }

int ccurl_multi_available(void) { return ccurl_load() && curl.multi; }

void *ccurl_multi_init(void) { return ccurl_multi_available() ? curl.multi_init() : NULL; }

void ccurl_multi_cleanup(void *multi) {
    if (multi) curl.multi_cleanup(multi);
}

int ccurl_multi_add(void *multi, void *handle) { return curl.multi_add_handle(multi, ((sender *)handle)->handle); }

int ccurl_multi_remove(void *multi, void *handle) { return curl.multi_remove_handle(multi, ((sender *)handle)->handle); }

// libcurl's CURLMsg: what, which transfer, and (for CURLMSG_DONE, 1) its CURLcode.
typedef struct {
    int msg;
    void *easy_handle;
    union {
        void *whatever;
        int result;
    } data;
} multi_message;

// The transfers that finished since the last look, at most `capacity`.
static int collect(void *multi, void **finished, int *codes, int capacity) {
    int count = 0;
    int left = 0;
    multi_message *message;
    while (count < capacity && (message = curl.multi_info_read(multi, &left)) != NULL) {
        if (message->msg != 1) continue;  // CURLMSG_DONE
        void *owner = NULL;
        // CURLINFO_PRIVATE = CURLINFO_STRING (0x100000) + 21: the sender set as CURLOPT_PRIVATE.
        curl.easy_getinfo(message->easy_handle, 0x100015, &owner);
        finished[count] = owner;
        codes[count] = message->data.result;
        count++;
    }
    return count;
}

int ccurl_multi_run(void *multi, int timeout_ms, void **finished, int *codes, int capacity) {
    int running = 0;
    int code = curl.multi_perform(multi, &running);
    if (code != 0) return -code;
    int count = collect(multi, finished, codes, capacity);
    if (count > 0 || running == 0) return count;
    int ready = 0;
    code = curl.multi_poll(multi, NULL, 0, timeout_ms, &ready);
    if (code != 0) return -code;
    code = curl.multi_perform(multi, &running);
    if (code != 0) return -code;
    return collect(multi, finished, codes, capacity);
}

int ccurl_easy_perform(void *handle) { return curl.easy_perform(((sender *)handle)->handle); }

int ccurl_stage(void *handle) { return ((sender *)handle)->stage; }

const char *ccurl_last_reply(void *handle) { return ((sender *)handle)->reply; }

long ccurl_response_code(void *handle) {
    long code = 0;
    // CURLINFO_RESPONSE_CODE = CURLINFO_LONG (0x200000) + 2
    if (curl.easy_getinfo(((sender *)handle)->handle, 0x200002, &code) != 0) return 0;
    return code;
}

const char *ccurl_easy_strerror(int code) { return ccurl_load() ? curl.easy_strerror(code) : "libcurl is not available"; }
