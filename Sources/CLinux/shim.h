// Linux interfaces that Glibc's Swift module map leaves out: epoll, eventfd, accept4.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#include <time.h>
extern char *strptime(const char *s, const char *format, struct tm *tm);
#include <pthread.h>
#include <string.h>
// The system's name for a thread (15 bytes at most), as `top -H` and `perf` show it.
extern int pthread_setname_np(pthread_t thread, const char *name);
// Names the calling thread; a longer name is cut to the kernel's 15 bytes rather than
// refused (pthread_setname_np fails with ERANGE). Foundation's Thread.name never reaches
// the kernel on Linux.
static inline void sanctuary_name_thread(const char *name) {
    char kept[16];
    strncpy(kept, name, 15);
    kept[15] = 0;
    pthread_setname_np(pthread_self(), kept);
}
#include <sys/random.h>
#include <errno.h>
#include <stdlib.h>
// Fills `buffer` with `count` bytes from the kernel's generator: one getrandom(2) call for
// up to 256 bytes, where Swift's SystemRandomNumberGenerator makes one per 8. Like Swift's
// generator, it stops the process if the kernel cannot give randomness (no getrandom).
static inline void sanctuary_random_bytes(void *buffer, size_t count) {
    unsigned char *next = buffer;
    while (count > 0) {
        ssize_t got = getrandom(next, count, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            abort();
        }
        next += got;
        count -= (size_t)got;
    }
}
#include <malloc.h>
// Gives the heap's free pages back to the system (glibc keeps them by default).
extern int malloc_trim(size_t pad);
