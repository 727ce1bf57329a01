int cratecache_answer(void) { return 6 * 7; }
