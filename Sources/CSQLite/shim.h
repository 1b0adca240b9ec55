#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call: this turns off SQLite's memory
/// statistics, so its allocations stop taking a process-wide mutex each (Debian's build
/// keeps them on and omits the lookaside allocator, so every small allocation locks).
/// Call before the first connection opens; answers SQLITE_MISUSE after that.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
