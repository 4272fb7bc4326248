#ifndef KAITO_CCURL_SHIM_H
#define KAITO_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per argument kind.

static inline CURLcode kaito_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_blob(CURL *handle, CURLoption option, struct curl_blob *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kaito_curl_setopt_share(CURL *handle, CURLSH *share) {
    return curl_easy_setopt(handle, CURLOPT_SHARE, share);
}

typedef size_t (*kaito_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*kaito_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                            curl_off_t upload_total, curl_off_t uploaded);

static inline CURLcode kaito_curl_setopt_write_function(CURL *handle, kaito_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode kaito_curl_setopt_header_function(CURL *handle, kaito_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode kaito_curl_setopt_read_function(CURL *handle, kaito_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

static inline CURLcode kaito_curl_setopt_progress_function(CURL *handle, kaito_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode kaito_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode kaito_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef void (*kaito_curl_lock_function)(CURL *handle, curl_lock_data data, curl_lock_access access, void *context);
typedef void (*kaito_curl_unlock_function)(CURL *handle, curl_lock_data data, void *context);

static inline CURLSHcode kaito_curl_share_setopt_long(CURLSH *share, CURLSHoption option, long value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLSHcode kaito_curl_share_setopt_pointer(CURLSH *share, CURLSHoption option, void *value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLSHcode kaito_curl_share_setopt_lock(CURLSH *share, kaito_curl_lock_function function) {
    return curl_share_setopt(share, CURLSHOPT_LOCKFUNC, function);
}

static inline CURLSHcode kaito_curl_share_setopt_unlock(CURLSH *share, kaito_curl_unlock_function function) {
    return curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, function);
}

// Process-wide initialisation: CURL_GLOBAL_ALL is a composite macro that Swift does not import.
static inline CURLcode kaito_curl_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

// Binary options (certificates, keys, CA bundles): libcurl copies the bytes, so the caller's buffer may go away after.
static inline CURLcode kaito_curl_setopt_blob_copy(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode kaito_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURLPAUSE_CONT is a composite macro; resumes a transfer paused by CURL_WRITEFUNC_PAUSE.
static inline CURLcode kaito_curl_unpause(CURL *handle) {
    return curl_easy_pause(handle, CURLPAUSE_CONT);
}

// The value a write callback returns to pause receiving (the bytes offered are delivered again on unpause).
static inline size_t kaito_curl_write_pause(void) {
    return CURL_WRITEFUNC_PAUSE;
}

// CURLMsg carries a union; these read it without Swift having to name the union member.
static inline int kaito_curl_msg_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}

static inline CURLcode kaito_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

static inline CURL *kaito_curl_msg_handle(const CURLMsg *message) {
    return message->easy_handle;
}

#endif
