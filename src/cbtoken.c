/*
 * cbtoken: callback tokens and their hashes (see cbtoken.h).
 */
#include "cbtoken.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 fetched once: EVP_sha256() makes EVP_Digest fetch it from the
 * provider on every call, which cost as much as the digest itself. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_free(void)
{
	EVP_MD_free(sha256);
}

static void sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256)
		atexit(sha256_free);
}

void cbtoken_hash(const char *token, char hash[CBTOKEN_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	pthread_once(&sha256_once, sha256_fetch);
	EVP_Digest(token, strlen(token), md, &n,
		   sha256 ? sha256 : EVP_sha256(), NULL);
	for (i = 0; i < n && i < CBTOKEN_HASH_LEN / 2; i++) {
		hash[2 * i] = hex[md[i] >> 4];
		hash[2 * i + 1] = hex[md[i] & 15];
	}
	hash[2 * i] = '\0';
}

/*
 * Random bytes for tokens, drawn from OpenSSL's generator a few kilobytes
 * at a time: RAND_bytes costs about as much per call as a request's
 * journal write, and apply makes a token per action URL. Per thread, so
 * that no lock is needed; each byte is used once and wiped. (The process
 * never forks without exec, which would share the buffer.)
 */
static _Thread_local struct {
	unsigned char b[4096];
	size_t left;
} rnd;

static int random_bytes(unsigned char *out, size_t n)
{
	if (rnd.left < n) {
		if (RAND_bytes(rnd.b, sizeof(rnd.b)) != 1)
			return -1;
		rnd.left = sizeof(rnd.b);
	}
	rnd.left -= n;
	memcpy(out, rnd.b + rnd.left, n);
	OPENSSL_cleanse(rnd.b + rnd.left, n);
	return 0;
}

int cbtoken_new(char token[CBTOKEN_LEN + 1], char hash[CBTOKEN_HASH_LEN + 1])
{
	unsigned char raw[16], b64[25];
	int i;

	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	/* base64 of 16 bytes is 22 digits and "==": make it URL-safe. */
	EVP_EncodeBlock(b64, raw, sizeof(raw));
	for (i = 0; i < CBTOKEN_LEN; i++)
		token[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_'
							       : (char)b64[i];
	token[CBTOKEN_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	cbtoken_hash(token, hash);
	return 0;
}

int cbtoken_valid(const char *s)
{
	size_t n = strlen(s);

	return n == CBTOKEN_LEN &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-_") == n;
}
