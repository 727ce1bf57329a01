#include <cratecache_choice.h>
int cratecache_choice(void) { return CRATECACHE_CHOICE; }
