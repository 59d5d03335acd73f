#ifndef ZENFS_COPENSSL_SHIM_H
#define ZENFS_COPENSSL_SHIM_H
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

/// Builds a secp256k1 key from a compressed or uncompressed public point and, if `secret` is not NULL, its
/// 32-byte private scalar; checks that the point lies on the curve. Returns NULL on any failure.
/// (OSSL_PARAM keeps pointers to its key names, so this is done in C where the literals are static.)
static inline EVP_PKEY *zen_secp256k1_key(const unsigned char *point, size_t point_length,
                                          const unsigned char *secret) {
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    BIGNUM *number = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *context = NULL, *check = NULL;
    EVP_PKEY *key = NULL;
    if (builder == NULL) goto done;
    if (!OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "secp256k1", 0)) goto done;
    if (!OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, point_length)) goto done;
    if (secret != NULL) {
        number = BN_bin2bn(secret, 32, NULL);
        if (number == NULL || !OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, number)) goto done;
    }
    params = OSSL_PARAM_BLD_to_param(builder);
    context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (params == NULL || context == NULL || EVP_PKEY_fromdata_init(context) != 1) goto done;
    if (EVP_PKEY_fromdata(context, &key, secret != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
        key = NULL;
        goto done;
    }
    check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
done:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_free(params);
    BN_clear_free(number);
    OSSL_PARAM_BLD_free(builder);
    return key;
}
#endif
