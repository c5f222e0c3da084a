#ifndef KONTEXTD_CIMAGECODECS_SHIM_H
#define KONTEXTD_CIMAGECODECS_SHIM_H
/* Encoders (the Runware simulator's images) and full decoders (kontextd's last check that a
   downloaded image really decodes: structure alone cannot see damage inside JPEG scans or VP8 data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <png.h>
#include <webp/encode.h>
#include <webp/decode.h>

/* Each check decodes every pixel and returns 0 with the dimensions, or -1 with a message. */

/* Every check refuses, from the header and before allocating anything for pixels, an image with a
   side above max_side or more than max_pixels pixels: the caller has checked the same bounds on
   its own reading of the header, and this keeps the decoder's reading to them too. */
static inline int kx_decode_bounds_exceeded(int width, int height, int max_side, long max_pixels,
                                            char *message, size_t message_size) {
    if (width <= 0 || height <= 0 || width > max_side || height > max_side
        || (long)width * (long)height > max_pixels) {
        snprintf(message, message_size, "the decoder reads %dx%d, beyond the %d-pixel side / %ld-pixel limit",
                 width, height, max_side, max_pixels);
        return 1;
    }
    return 0;
}

static inline int kx_jpeg_decode_check(const unsigned char *data, unsigned long size, int max_side, long max_pixels,
                                       int *width, int *height, char *message, size_t message_size) {
    tjhandle handle = tjInitDecompress();
    if (handle == NULL) { snprintf(message, message_size, "tjInitDecompress failed"); return -1; }
    int subsampling = 0, colorspace = 0;
    int status = tjDecompressHeader3(handle, data, size, width, height, &subsampling, &colorspace);
    unsigned char *pixels = NULL;
    if (status == 0 && kx_decode_bounds_exceeded(*width, *height, max_side, max_pixels, message, message_size)) {
        tjDestroy(handle);
        return -1;
    }
    if (status == 0) {
        /* Every scan's entropy-coded data is decoded in full (that is where damage shows), but at
           1/8 scale the inverse DCT and colour conversion shrink to almost nothing. */
        int scaled_width = (*width + 7) / 8, scaled_height = (*height + 7) / 8;
        pixels = (unsigned char *)malloc((size_t)scaled_width * (size_t)scaled_height * 3);
        if (pixels == NULL) { snprintf(message, message_size, "out of memory"); tjDestroy(handle); return -1; }
        /* Warnings (corrupt scan data, premature end) are errors here: a damaged image is not kept. */
        status = tjDecompress2(handle, data, size, pixels, scaled_width, 0, scaled_height, TJPF_RGB,
                               TJFLAG_STOPONWARNING | TJFLAG_FASTDCT);
    }
    if (status != 0) snprintf(message, message_size, "%s", tjGetErrorStr2(handle));
    free(pixels);
    tjDestroy(handle);
    return status == 0 ? 0 : -1;
}

static inline int kx_png_decode_check(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                      int *width, int *height, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return -1;
    }
    if (kx_decode_bounds_exceeded((int)(image.width > 0x7fffffff ? 0x7fffffff : image.width),
                                  (int)(image.height > 0x7fffffff ? 0x7fffffff : image.height),
                                  max_side, max_pixels, message, message_size)) {
        png_image_free(&image);
        return -1;
    }
    image.format = PNG_FORMAT_RGBA;
    void *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (pixels == NULL) { snprintf(message, message_size, "out of memory"); png_image_free(&image); return -1; }
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    if (!ok) snprintf(message, message_size, "%s", image.message);
    *width = (int)image.width;
    *height = (int)image.height;
    free(pixels);
    png_image_free(&image);
    return ok ? 0 : -1;
}

static inline int kx_webp_decode_check(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                       int *width, int *height, char *message, size_t message_size) {
    if (!WebPGetInfo(data, size, width, height)) {
        snprintf(message, message_size, "libwebp could not read the image header");
        return -1;
    }
    if (kx_decode_bounds_exceeded(*width, *height, max_side, max_pixels, message, message_size)) return -1;
    uint8_t *pixels = WebPDecodeRGBA(data, size, width, height);
    if (pixels == NULL) { snprintf(message, message_size, "libwebp could not decode the image data"); return -1; }
    WebPFree(pixels);
    return 0;
}
#endif
