/* Build-time part of gen_defaults: the default patterns as one Aho-Corasick
 * automaton over a name's bytes, so that start-up decides every variable in the
 * pass that finds the end of its name.
 *
 * Patterns "*LIT" (suffix), "*LIT*" (infix) and "LIT" (exact) become literals of
 * one automaton. A state whose output holds an infix literal is replaced by the
 * absorbing state DFA_HIT; at the end of a name, the state says whether a suffix
 * literal ends there (accept bit 1) or which exact literal does (its length). Any
 * other kind of default pattern, or more than 250 states, and the generated
 * default_automaton_usable is 0: start-up then uses the pattern list. */
#include <stdio.h>
#include <string.h>

#include "preload/core/patterns.h"

#define MAX_STATES 250 /* < DFA_END: states are bytes */

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
    if (len >= DFA_SUFFIX_END)
        return -1; /* exact lengths are stored in a byte below DFA_SUFFIX_END */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (!cls[c]) {
            if (nclasses >= DFA_END)
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
    printf("\nconst int default_automaton_usable = %d;\n"
           "const unsigned default_automaton_classes = %u;\n"
           "const unsigned char default_automaton_hit = %d;\n",
           ok, nclasses, ok ? hit : 0);
    printf("\n/* Byte -> class; DFA_END for '=' and NUL, which end a name. */\n"
           "const unsigned char default_automaton_class[256] = {");
    for (unsigned c = 0; c < 256; c++)
        printf("%s%u,", c % 16 ? " " : "\n    ", c == '=' || c == 0 ? DFA_END : ok ? cls[c] : 0);
    /* Entries are the next state's row offset (state * classes): no multiply per byte. */
    printf("\n};\n\nconst unsigned short default_automaton_next[] = {");
    int rows = ok ? hit + 1 : 1;
    for (int st = 0; st < rows; st++) {
        printf("\n   ");
        for (unsigned c = 0; c < nclasses; c++) {
            int t = st == hit ? hit : next[st][c];
            printf(" %u,", (ok && infix[t] ? hit : t) * nclasses);
        }
    }
    printf("\n};\n\n/* Per state: 1 when a suffix literal ends here, else the length of the exact\n"
           " * literal that does (0: none). */\n"
           "const unsigned char default_automaton_end[] = {");
    for (int st = 0; st < rows; st++)
        printf("%s%u,", st % 16 ? " " : "\n    ",
               st == hit ? 0u : accept[st] ? DFA_SUFFIX_END : exact[st]);
    printf("\n};\n");
}
