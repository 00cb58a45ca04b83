/* Memory for the bytes envseal itself must keep secret (values read from secret
 * files, copies of secret variables, the masker's automaton and I/O buffers):
 * pages from the shim's platform layer (memfd_secret, else locked non-dumpable
 * pages, guard pages on both sides), zeroed and unmapped by secmem_wipe_all.
 * Requests are carved out of a few mappings that grow geometrically (a thousand
 * secrets take a handful of mappings, not one each), with no fixed limit. */
#ifndef ENVSEAL_CLI_SECMEM_H
#define ENVSEAL_CLI_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Zeroed memory of at least n bytes, 64-byte aligned, or NULL (errno set). */
void *secmem_alloc(size_t n);

/* True when every mapping so far is out of swap and core dumps. */
bool secmem_protected(void);

/* Zeroes and unmaps everything secmem_alloc returned. */
void secmem_wipe_all(void);

#endif
