/* libcrypto's own secp256k1 ECDSA verify rate (openssl speed has no secp256k1): the reference of
 * `scripts/bench chain`. Verifies one signature over SHA-256 of a 51-byte message for SECONDS and prints
 * verifications per second. usage: bench_secp256k1_verify SECONDS */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    if (EVP_PKEY_keygen_init(context) != 1 || EVP_PKEY_CTX_set_group_name(context, "secp256k1") != 1 ||
        EVP_PKEY_generate(context, &key) != 1)
        return 1;
    unsigned char message[51] = "zennet sighash v1 and a thirty-two byte txid ......";
    unsigned char signature[80];
    size_t length = sizeof signature;
    EVP_MD_CTX *sign = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(sign, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(sign, signature, &length, message, sizeof message) != 1)
        return 1;
    long count = 0;
    double start = now();
    while (now() - start < seconds) {
        for (int i = 0; i < 100; i++) {
            EVP_MD_CTX *verify = EVP_MD_CTX_new();
            if (EVP_DigestVerifyInit(verify, NULL, EVP_sha256(), NULL, key) != 1 ||
                EVP_DigestVerify(verify, signature, length, message, sizeof message) != 1)
                return 2;
            EVP_MD_CTX_free(verify);
            count++;
        }
    }
    printf("%.1f\n", count / (now() - start));
    return 0;
}
