/* One-line messages on stderr, written with a single write(2): "envseal: ...".
 * Callers pass names and reasons only, never a value. */
#ifndef ENVSEAL_LOG_H
#define ENVSEAL_LOG_H

/* Joins the non-NULL parts after "envseal: <program>: " and ends the line. */
void log_line(const char *a, const char *b, const char *c, const char *d);

/* Decimal text of n into buf (at least 21 bytes); returns buf. */
char *log_u64(unsigned long long n, char *buf);

#endif
