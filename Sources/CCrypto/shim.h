#ifndef DATAPIPE_CCRYPTO_SHIM_H
#define DATAPIPE_CCRYPTO_SHIM_H

/* OpenSSL libcrypto: the one crypto stack in the process (libcurl and
   libssh2 load it too). Only the EVP digest and HMAC interfaces are used. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#endif
