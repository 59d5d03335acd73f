#ifndef ZENFS_COPENSSL_SHIM_H
#define ZENFS_COPENSSL_SHIM_H
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#endif
