#define _GNU_SOURCE
#include "model.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolve.h"

char *model_spdxid(const char *prefix, const char *text)
{
    while (*text == '.' || *text == '/')
        text++;
    char *id = xasprintf("SPDXRef-%s-%s", prefix, text);
    for (char *p = id + 8; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-'))
            *p = '-';
    return id;
}

static struct node *new_node(const char *path, const char *name, bool shipped)
{
    struct node *n = xcalloc(1, sizeof *n);
    n->path = xstrdup(path);
    n->name = xstrdup(name);
    n->shipped = shipped;
    char buf[PATH_MAX];
    n->real = xstrdup(realpath(path, buf) ? buf : path);
    if (digest_file(path, &n->dig) != 0)
        die("cannot read %s: %s", path, strerror(errno));
    if (elf_info_read(path, &n->elf) != 0)
        die("cannot parse ELF file %s: %s", path, n->elf.error[0] ? n->elf.error : "libelf refused it");
    return n;
}

void model_add_shipped(struct model *m, const char *path, const char *name)
{
    struct node *n = new_node(path, name, true);
    n->spdxid = model_spdxid("File", name);
    vec_push(&m->shipped, n);
}

void model_add_static(struct model *m, const char *name, const char *package)
{
    struct node *n = NULL;
    for (size_t i = 0; i < m->shipped.len && !n; i++)
        if (strcmp(((struct node *)m->shipped.item[i])->name, name) == 0)
            n = m->shipped.item[i];
    if (!n)
        die("--static: %s is not one of the files described", name);
    if (!n->elf.is_elf)
        die("--static: %s is not an ELF file", name);
    struct deb_package *p = dpkg_package(package);
    if (!p)
        die("--static: package %s is not installed", package);
    struct vec archives = dpkg_static_archives(p);
    if (!archives.len)
        die("--static: package %s installs no static library (*.a)", package);
    /* "libelf.a", or "liba.a libb.a" for a package with several. */
    char *why = xstrdup("");
    for (size_t i = 0; i < archives.len; i++) {
        const char *a = archives.item[i];
        const char *base = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
        char *next = xasprintf("%s%s%s", why, *why ? " " : "", base);
        free(why);
        why = next;
        free(archives.item[i]);
    }
    free(archives.item);
    for (size_t i = 0; i < n->statics.len; i++)
        if (n->statics.item[i] == p)
            die("--static: %s=%s given twice", name, package);
    vec_push(&n->statics, p);
    vec_push(&n->static_reasons, why);
    bool seen = false;
    for (size_t i = 0; i < m->static_packages.len && !seen; i++)
        seen = m->static_packages.item[i] == p;
    if (!seen)
        vec_push(&m->static_packages, p);
}

static struct node *find_real(const struct model *m, const char *path)
{
    char buf[PATH_MAX];
    const char *real = realpath(path, buf) ? buf : path;
    const struct vec *lists[2] = {&m->shipped, &m->system};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->len; i++) {
            struct node *n = lists[l]->item[i];
            if (strcmp(n->real, real) == 0)
                return n;
        }
    return NULL;
}

static struct node *system_node(struct model *m, const char *path)
{
    struct node *n = find_real(m, path);
    if (n)
        return n;
    n = new_node(path, path, false);
    n->spdxid = model_spdxid("File-system", path);
    n->pkg = dpkg_owner(path);
    if (n->pkg) {
        bool seen = false;
        for (size_t i = 0; i < m->packages.len && !seen; i++)
            seen = m->packages.item[i] == n->pkg;
        if (!seen)
            vec_push(&m->packages, n->pkg);
    }
    vec_push(&m->system, n);
    return n;
}

static void link_to(struct node *from, struct node *to, const char *reason)
{
    vec_push(&from->links, to);
    vec_push(&from->link_reasons, xstrdup(reason));
}

static void follow(struct model *m, struct node *n)
{
    if (!n->elf.is_elf)
        return;
    if (n->elf.interp) {
        if (!find_real(m, n->elf.interp) && access(n->elf.interp, R_OK) != 0)
            die("program interpreter %s of %s not found", n->elf.interp, n->name);
        link_to(n, system_node(m, n->elf.interp), "PT_INTERP");
    }
    for (size_t i = 0; i < n->elf.needed.len; i++) {
        const char *soname = n->elf.needed.item[i];
        char *path = resolve_needed(soname, n->path, &n->elf);
        if (!path)
            die("cannot resolve DT_NEEDED %s of %s", soname, n->name);
        link_to(n, system_node(m, path), soname);
        free(path);
    }
}

void model_resolve(struct model *m)
{
    for (size_t i = 0; i < m->shipped.len; i++)
        follow(m, m->shipped.item[i]);
    /* system grows while we walk it: every new library is followed in turn. */
    for (size_t i = 0; i < m->system.len; i++)
        follow(m, m->system.item[i]);
}
