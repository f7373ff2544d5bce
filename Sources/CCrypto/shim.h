#ifndef DATAPIPE_CCRYPTO_SHIM_H
#define DATAPIPE_CCRYPTO_SHIM_H

/* OpenSSL libcrypto: the one crypto stack in the process (libcurl and
   libssh2 load it too). The EVP digest, HMAC, AES-GCM and scrypt interfaces
   are used, and CRYPTO_memcmp for constant-time compares. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/* AES-GCM controls as functions: the EVP_CTRL_* macros alias other macros. */
static inline int datapipe_gcm_set_ivlen(EVP_CIPHER_CTX *ctx, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, length, NULL);
}
static inline int datapipe_gcm_get_tag(EVP_CIPHER_CTX *ctx, int length, unsigned char *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, length, tag);
}
static inline int datapipe_gcm_set_tag(EVP_CIPHER_CTX *ctx, int length, unsigned char *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, length, tag);
}

#endif
