// Linux interfaces that Glibc's Swift module map leaves out: epoll, eventfd, accept4.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#include <time.h>
extern char *strptime(const char *s, const char *format, struct tm *tm);
