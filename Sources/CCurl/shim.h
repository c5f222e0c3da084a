#ifndef KONTEXTD_CCURL_SHIM_H
#define KONTEXTD_CCURL_SHIM_H
#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic and do not import into Swift:
   these typed wrappers are the only way Swift calls them. */
static inline CURLcode kx_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kx_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kx_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kx_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kx_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*kx_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode kx_curl_setopt_data_callback(CURL *h, CURLoption o, kx_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
typedef int (*kx_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode kx_curl_setopt_xferinfo_callback(CURL *h, kx_curl_xferinfo_callback v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode kx_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kx_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kx_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

/* Connect-time address checks (CURLOPT_OPENSOCKETFUNCTION): curl calls this after resolving, for
   every socket it opens, so the address checked is the address connected to. */
typedef curl_socket_t (*kx_curl_opensocket_callback)(void *context, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode kx_curl_setopt_opensocket_callback(CURL *h, kx_curl_opensocket_callback v) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v); }
/* Copies the IP address of `a` into `out` (network byte order): 4 bytes for AF_INET, 16 for
   AF_INET6, 0 for any other family. curl's `addr` member is only a `struct sockaddr`, but curl
   allocates room for the whole address of the family it names. */
static inline unsigned kx_curl_sockaddr_ip(const struct curl_sockaddr *a, unsigned char out[16]) {
    if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
        memcpy(out, &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr, 4);
        return 4;
    }
    if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
        memcpy(out, &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr, 16);
        return 16;
    }
    return 0;
}
/* What curl itself does when no OPENSOCKETFUNCTION is set. */
static inline curl_socket_t kx_curl_open_socket(const struct curl_sockaddr *a) { return socket(a->family, a->socktype, a->protocol); }
#endif
