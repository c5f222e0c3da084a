#ifndef KONTEXTD_COPENSSL_SHIM_H
#define KONTEXTD_COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* OPENSSL_free is a macro that does not import into Swift. */
static inline void kx_openssl_free(void *p) { OPENSSL_free(p); }
#endif
