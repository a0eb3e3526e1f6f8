/*
 * cbtoken: the unguessable tokens in consent redirect URLs
 * (callback_base/cb/TOKEN). A token is 128 random bits from RAND_bytes,
 * base64url without padding; the journal keeps only its SHA-256, so a
 * copy of the journal cannot forge an admin's answer.
 */
#ifndef TP_CBTOKEN_H
#define TP_CBTOKEN_H

#define CBTOKEN_LEN 22      /* characters of a token */
#define CBTOKEN_HASH_LEN 64 /* hex characters of its hash */

/* A new token and its hash. Returns 0, or -1 when the system has no
 * randomness to give (then nothing may be issued). */
int cbtoken_new(char token[CBTOKEN_LEN + 1],
		char hash[CBTOKEN_HASH_LEN + 1]);

/* The hash of a token as received. */
void cbtoken_hash(const char *token, char hash[CBTOKEN_HASH_LEN + 1]);

/* 1 when s looks like a token (length and alphabet), else 0. */
int cbtoken_valid(const char *s);

#endif
