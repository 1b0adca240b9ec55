// libpng 1.6 (Debian's libpng-dev); we use its simplified png_image API.
#include <png.h>
