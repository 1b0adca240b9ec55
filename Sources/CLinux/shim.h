// Linux interfaces that Glibc's Swift module map leaves out: epoll, eventfd, accept4.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#include <time.h>
extern char *strptime(const char *s, const char *format, struct tm *tm);
#include <pthread.h>
// The system's name for a thread (15 bytes at most), as `top -H` and `perf` show it.
extern int pthread_setname_np(pthread_t thread, const char *name);
