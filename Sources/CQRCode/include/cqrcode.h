#ifndef CQRCODE_H
#define CQRCODE_H

/// libqrencode, opened with dlopen("libqrencode.so.4") when it is installed: a QR code is a
/// convenience (the key is shown as text too), so the server runs without it.

/// 1 when libqrencode could be loaded.
int cqr_available(void);

/// Encodes `text` (8-bit mode, error correction M) into `modules`, one byte per module
/// (1 dark, 0 light), row by row; answers the width in modules, or 0 when the library is
/// missing, the text too long, or `capacity` smaller than width × width.
int cqr_encode(const char *text, unsigned char *modules, int capacity);

#endif
