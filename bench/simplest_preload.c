/* The simplest preload: an empty constructor, built by bench/BUILD with gcc's
 * defaults alone (no hardening flags, no version script), the baseline other
 * preloads are usually measured against. */
__attribute__((constructor)) static void simplest_init(void)
{
}
