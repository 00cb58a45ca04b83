/* libenvseal.so is linked without the C runtime's start files (see BUILD), which
 * would define __dso_handle: atexit() registers handlers under it. Hidden, like
 * crtbeginS.o's, so the handle is this library's own address. */
void *__dso_handle __attribute__((visibility("hidden"))) = &__dso_handle;
