/* Build-time part of gen_defaults: the default patterns as one Aho-Corasick
 * automaton over a name's bytes, so that start-up decides every variable in the
 * pass that finds the end of its name.
 *
 * Patterns "*LIT" (suffix), "*LIT*" (infix) and "LIT" (exact) become literals of
 * one automaton. A state whose output holds an infix literal is replaced by an
 * absorbing state; '=' and NUL have a column each, whose entries are not rows but
 * end codes (DFA_FINAL and above): for '=', whether the name is matched (a
 * suffix literal ends there (DFA_ANY_LENGTH), or the length the name must have for
 * the exact literal that ends there); for NUL, never (an entry without a value).
 * So the scan of a name is one table step per
 * byte, its end included. Any other kind of default pattern, or more than 250
 * states, and the generated default_automaton_usable is 0: start-up then uses the
 * pattern list. */
#include <stdio.h>
#include <string.h>

#include "preload/core/patterns.h"

#define MAX_STATES 250 /* rows and end codes share 16 bits (checked below) */

static unsigned char cls[256];   /* byte -> class (0: in no literal) */
static unsigned nclasses = 1;
static int child[MAX_STATES][256]; /* trie edges by class, -1 absent */
static int fail[MAX_STATES];
static unsigned char accept[MAX_STATES], exact[MAX_STATES];
static unsigned char infix[MAX_STATES];
static unsigned char next[MAX_STATES][256];
static int nstates = 1;

/* Adds lit to the trie; returns 0, or -1 when the automaton would be too big. */
static int add_literal(const char *lit, size_t len, int kind)
{
    int s = 0;
    if (len >= DFA_ANY_LENGTH)
        return -1; /* exact lengths are stored in a byte below DFA_ANY_LENGTH */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (!cls[c]) {
            if (nclasses >= 254)
                return -1;
            cls[c] = (unsigned char)nclasses++;
        }
        if (child[s][cls[c]] < 0) {
            if (nstates >= MAX_STATES - 1)
                return -1;
            child[s][cls[c]] = nstates++;
        }
        s = child[s][cls[c]];
    }
    if (kind == PAT_INFIX)
        infix[s] = 1;
    else if (kind == PAT_SUFFIX)
        accept[s] |= 1;
    else if (exact[s] == 0)
        exact[s] = (unsigned char)len;
    else
        return -1;
    return 0;
}

/* Breadth-first: failure links, complete transitions, outputs through the links. */
static int complete(void)
{
    int queue[MAX_STATES], head = 0, tail = 0;
    for (unsigned c = 0; c < nclasses; c++) {
        int t = child[0][c];
        next[0][c] = (unsigned char)(t < 0 ? 0 : t);
        if (t > 0) {
            fail[t] = 0;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        int s = queue[head++];
        infix[s] |= infix[fail[s]];
        accept[s] |= accept[fail[s]];
        if (exact[fail[s]]) {
            if (exact[s])
                return -1; /* two exact literals end here: keep the list instead */
            exact[s] = exact[fail[s]];
        }
        for (unsigned c = 0; c < nclasses; c++) {
            int t = child[s][c];
            if (t < 0) {
                next[s][c] = next[fail[s]][c];
            } else {
                fail[t] = next[fail[s]][c];
                next[s][c] = (unsigned char)t;
                queue[tail++] = t;
            }
        }
    }
    return 0;
}

/* Prints the automaton's definitions (see patterns.h). */
void print_automaton(const struct pattern_set *s)
{
    memset(child, -1, sizeof child);
    int ok = 1;
    for (unsigned i = 0; i < s->n && ok; i++) {
        const struct pattern *p = &s->p[i];
        if (p->kind != PAT_SUFFIX && p->kind != PAT_INFIX && p->kind != PAT_EXACT)
            ok = 0;
        else if (add_literal(p->lit, p->len, p->kind) != 0)
            ok = 0;
    }
    if (ok && complete() != 0)
        ok = 0;
    const int hit = nstates; /* the absorbing state */
    /* The last two columns: '=' (the name ends, its entry says whether it matches)
     * and NUL (an entry without '=': never a secret). */
    const unsigned width = nclasses + 2;
    if (ok && (unsigned)(hit + 1) * width > DFA_FINAL)
        ok = 0; /* row offsets must stay below the end codes */
    printf("\nconst int default_automaton_usable = %d;\n"
           "const unsigned default_automaton_width = %u;\n",
           ok, ok ? width : 3);
    printf("\n/* Byte -> column; the last two for '=' and NUL, which end a name. */\n"
           "const unsigned char default_automaton_class[256] = {");
    for (unsigned c = 0; c < 256; c++)
        printf("%s%u,", c % 16 ? " " : "\n    ",
               c == '=' ? (ok ? width - 2 : 1) : c == 0 ? (ok ? width - 1 : 2) : ok ? cls[c] : 0);
    /* Entries are the next state's row offset (state * width): no multiply per byte.
     * The '=' column holds DFA_FINAL | what ends in that state: DFA_ANY_LENGTH when
     * a suffix literal ends there (or an infix literal was seen), else the length
     * of the exact literal that does, 0 for none; the NUL column DFA_FINAL. */
    printf("\n};\n\nconst unsigned short default_automaton_next[] = {");
    if (!ok) {
        printf("\n    0, %u, %u,\n};\n", DFA_FINAL, DFA_FINAL);
        return;
    }
    for (int st = 0; st <= hit; st++) {
        printf("\n   ");
        for (unsigned c = 0; c < nclasses; c++) {
            int t = st == hit ? hit : next[st][c];
            printf(" %u,", (infix[t] ? hit : t) * width);
        }
        unsigned end = st == hit || accept[st] ? DFA_ANY_LENGTH : exact[st];
        printf(" %u, %u,", DFA_FINAL | end, DFA_FINAL);
    }
    printf("\n};\n");
}
