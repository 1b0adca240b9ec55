// libpq, PostgreSQL's own client library (Debian: libpq-dev, on a fresh machine of ours).
#include <postgresql/libpq-fe.h>
