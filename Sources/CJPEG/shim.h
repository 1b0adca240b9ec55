// libjpeg (libjpeg-turbo, Debian's libjpeg-dev) needs stdio.h before its header.
#include <stdio.h>
#include <jpeglib.h>
