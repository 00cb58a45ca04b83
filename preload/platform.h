/* The only place that knows which operating system envseal runs on.
 * Everything here is async-signal-safe unless noted: raw system calls, no malloc. */
#ifndef ENVSEAL_PLATFORM_H
#define ENVSEAL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum backing {
    BACKING_NONE = 0,
    BACKING_SECRETMEM = 1, /* memfd_secret: out of the kernel's direct map, never dumped */
    BACKING_ANON = 2,      /* private copy-on-write pages, MADV_DONTDUMP, mlock, named */
};

/* One vault mapping: [guard page][data: size bytes][guard page]. */
struct mapping {
    unsigned char *data;
    size_t size;
    enum backing backing;
    bool locked;   /* mlock succeeded (secretmem is always unswappable) */
    bool dontdump; /* excluded from core dumps */
};

/* Why the preferred protections were not had; 0 when they were. */
struct map_report {
    int secretmem_errno;
    int mlock_errno;
};

size_t platform_page_size(void);

/* Maps a vault of at least `size` bytes (rounded up to pages), guard pages on both
 * sides. With allow_secretmem it tries memfd_secret first, then the anonymous
 * fallback. Returns 0, or an errno value when no mapping at all could be made. */
int platform_map(size_t size, bool allow_secretmem, struct mapping *m, struct map_report *r);

/* In a fork child: secretmem pages are shared with the parent, so give the child
 * its own copy at the same address (pointers stay valid) and re-lock anonymous
 * pages (locks are not inherited). Returns 0, or an errno value: on failure the
 * caller must never wipe the mapping in this process. */
int platform_unshare_after_fork(struct mapping *m);

/* write(2) of a whole buffer to stderr; ignores errors. */
void platform_write_stderr(const char *buf, size_t len);

/* 64 unpredictable bits (getrandom, else AT_RANDOM mixed with addresses). */
uint64_t platform_random64(void);

/* Short name of the running program, for messages. Never NULL. */
const char *platform_program_name(void);

#endif
