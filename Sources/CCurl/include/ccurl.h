// Just the part of libcurl's easy interface Sanctuary's mail sender uses, reached through
// dlopen("libcurl.so.4") at run time. A fresh machine has the runtime library (libcurl4)
// but not its headers (libcurl4-openssl-dev), so nothing here includes <curl/curl.h>:
// the option numbers below are libcurl's stable ABI values, documented per option at
// https://curl.se/libcurl/c/curl_easy_setopt.html, and the build links nothing.
#ifndef SANCTUARY_CCURL_H
#define SANCTUARY_CCURL_H

#include <stddef.h>

// Option numbers: type base (long 0, pointer 10000, function 20000, off_t 30000) + index.
enum {
    CCURL_OPT_URL = 10002,
    CCURL_OPT_ERRORBUFFER = 10010,
    CCURL_OPT_VERBOSE = 41,
    CCURL_OPT_UPLOAD = 46,
    CCURL_OPT_SSL_VERIFYPEER = 64,
    CCURL_OPT_CAINFO = 10065,
    CCURL_OPT_SSL_VERIFYHOST = 81,
    CCURL_OPT_NOSIGNAL = 99,
    CCURL_OPT_USE_SSL = 119,
    CCURL_OPT_TIMEOUT_MS = 155,
    CCURL_OPT_CONNECTTIMEOUT_MS = 156,
    CCURL_OPT_USERNAME = 10173,
    CCURL_OPT_PASSWORD = 10174,
    CCURL_OPT_MAIL_FROM = 10186,
};

// Where an SMTP transfer stood when it ended, told by the last command libcurl sent
// (read from its protocol trace, CURLOPT_DEBUGFUNCTION): what a failure's reply answers.
enum {
    CCURL_STAGE_CONNECT = 0,  // nothing sent yet: connecting, TLS, the greeting
    CCURL_STAGE_HELLO = 1,    // EHLO / HELO / STARTTLS
    CCURL_STAGE_AUTH = 2,
    CCURL_STAGE_MAIL = 3,     // MAIL FROM
    CCURL_STAGE_RCPT = 4,     // RCPT TO
    CCURL_STAGE_DATA = 5,     // the DATA command, before the message
    CCURL_STAGE_MESSAGE = 6,  // the message sent: the reply to its final dot
};

// CURLOPT_USE_SSL values.
enum { CCURL_USESSL_NONE = 0, CCURL_USESSL_TRY = 1, CCURL_USESSL_ALL = 3 };

// A few CURLcode values the sender tells apart (0 is success).
enum {
    CCURL_E_OK = 0,
    CCURL_E_COULDNT_RESOLVE_HOST = 6,
    CCURL_E_COULDNT_CONNECT = 7,
    CCURL_E_OPERATION_TIMEDOUT = 28,
    CCURL_E_USE_SSL_FAILED = 64,
    CCURL_E_LOGIN_DENIED = 67,
};

/// Loads libcurl.so.4 once and runs curl_global_init. 1 when ready, 0 when the library or
/// one of its functions is missing (then mail stays in the outbox).
int ccurl_load(void);
/// curl_version(), or "" when not loaded.
const char *ccurl_version(void);

void *ccurl_easy_init(void);
void ccurl_easy_cleanup(void *handle);
int ccurl_setopt_long(void *handle, int option, long value);
int ccurl_setopt_string(void *handle, int option, const char *value);
int ccurl_setopt_pointer(void *handle, int option, void *value);
/// Sets the envelope recipients (CURLOPT_MAIL_RCPT) from `count` addresses; the list is
/// kept with the handle and freed on the next call or by ccurl_easy_cleanup_all.
int ccurl_set_recipients(void *handle, const char *const *addresses, int count);
/// Sets the message to upload (CURLOPT_UPLOAD, READFUNCTION, READDATA, INFILESIZE_LARGE).
/// `data` must stay valid until ccurl_easy_perform returns.
int ccurl_set_message(void *handle, const char *data, size_t length);
int ccurl_easy_perform(void *handle);
/// Where the last transfer stood (CCURL_STAGE_…), and the server's last reply as it was
/// written, every line of it (at most 1 KiB; commands' arguments are never kept, so no
/// credentials either). Both reset at each ccurl_set_message.
int ccurl_stage(void *handle);
const char *ccurl_last_reply(void *handle);
/// The last SMTP reply code (CURLINFO_RESPONSE_CODE), 0 if none.
long ccurl_response_code(void *handle);
const char *ccurl_easy_strerror(int code);
/// libcurl's readable error for the handle's last transfer ("" if none).
const char *ccurl_error_text(void *handle);

/// Several transfers at once (libcurl's multi interface, 7.66 or later): 1 when available.
int ccurl_multi_available(void);
void *ccurl_multi_init(void);
void ccurl_multi_cleanup(void *multi);
/// Starts (or, once finished, takes back) a handle's transfer, set up as for ccurl_easy_perform.
int ccurl_multi_add(void *multi, void *handle);
int ccurl_multi_remove(void *multi, void *handle);
/// Moves every transfer on, waiting at most `timeout_ms` for one to finish; writes the handles
/// that finished and their CURLcodes (at most `capacity`) and answers how many, 0 when the
/// time passed first, or a negative CURLMcode.
int ccurl_multi_run(void *multi, int timeout_ms, void **finished, int *codes, int capacity);

#endif
