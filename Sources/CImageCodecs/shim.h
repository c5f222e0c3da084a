#ifndef KONTEXTD_CIMAGECODECS_SHIM_H
#define KONTEXTD_CIMAGECODECS_SHIM_H
/* Encoders (the Runware simulator's images) and full decoders (kontextd's last check that a
   downloaded image really decodes: structure alone cannot see damage inside JPEG scans or VP8 data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
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

/* Decodes a JPEG at 1/8 scale into RGB pixels the caller frees (NULL on failure, with a message).
   Every scan's entropy-coded data is decoded in full (that is where damage shows), but at 1/8
   scale the inverse DCT and colour conversion shrink to almost nothing. */
static inline unsigned char *kx_jpeg_decode_scaled(const unsigned char *data, unsigned long size, int max_side,
                                                   long max_pixels, int *width, int *height, int *scaled_width,
                                                   int *scaled_height, char *message, size_t message_size) {
    tjhandle handle = tjInitDecompress();
    if (handle == NULL) { snprintf(message, message_size, "tjInitDecompress failed"); return NULL; }
    int subsampling = 0, colorspace = 0;
    int status = tjDecompressHeader3(handle, data, size, width, height, &subsampling, &colorspace);
    unsigned char *pixels = NULL;
    if (status == 0 && kx_decode_bounds_exceeded(*width, *height, max_side, max_pixels, message, message_size)) {
        tjDestroy(handle);
        return NULL;
    }
    if (status == 0) {
        *scaled_width = (*width + 7) / 8;
        *scaled_height = (*height + 7) / 8;
        pixels = (unsigned char *)malloc((size_t)*scaled_width * (size_t)*scaled_height * 3);
        if (pixels == NULL) { snprintf(message, message_size, "out of memory"); tjDestroy(handle); return NULL; }
        /* Warnings (corrupt scan data, premature end) are errors here: a damaged image is not kept. */
        status = tjDecompress2(handle, data, size, pixels, *scaled_width, 0, *scaled_height, TJPF_RGB,
                               TJFLAG_STOPONWARNING | TJFLAG_FASTDCT);
    }
    if (status != 0) {
        snprintf(message, message_size, "%s", tjGetErrorStr2(handle));
        free(pixels);
        pixels = NULL;
    }
    tjDestroy(handle);
    return pixels;
}

static inline int kx_jpeg_decode_check(const unsigned char *data, unsigned long size, int max_side, long max_pixels,
                                       int *width, int *height, char *message, size_t message_size) {
    int scaled_width = 0, scaled_height = 0;
    unsigned char *pixels = kx_jpeg_decode_scaled(data, size, max_side, max_pixels, width, height, &scaled_width,
                                                  &scaled_height, message, message_size);
    if (pixels == NULL) return -1;
    free(pixels);
    return 0;
}

/* Reads a PNG's header into image and checks its bounds: 0, or -1 with a message (image freed). */
static inline int kx_png_begin(png_image *image, const unsigned char *data, size_t size, int max_side, long max_pixels,
                               char *message, size_t message_size) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        snprintf(message, message_size, "%s", image->message);
        png_image_free(image);
        return -1;
    }
    if (kx_decode_bounds_exceeded((int)(image->width > 0x7fffffff ? 0x7fffffff : image->width),
                                  (int)(image->height > 0x7fffffff ? 0x7fffffff : image->height),
                                  max_side, max_pixels, message, message_size)) {
        png_image_free(image);
        return -1;
    }
    return 0;
}

static inline int kx_png_decode_check(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                      int *width, int *height, char *message, size_t message_size) {
    png_image image;
    if (kx_png_begin(&image, data, size, max_side, max_pixels, message, message_size) != 0) return -1;
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

/* Decodes a WEBP in full into RGB pixels the caller frees with WebPFree (NULL on failure). */
static inline uint8_t *kx_webp_decode_pixels(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                             int *width, int *height, char *message, size_t message_size) {
    if (!WebPGetInfo(data, size, width, height)) {
        snprintf(message, message_size, "libwebp could not read the image header");
        return NULL;
    }
    if (kx_decode_bounds_exceeded(*width, *height, max_side, max_pixels, message, message_size)) return NULL;
    uint8_t *pixels = WebPDecodeRGB(data, size, width, height);
    if (pixels == NULL) snprintf(message, message_size, "libwebp could not decode the image data");
    return pixels;
}

static inline int kx_webp_decode_check(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                       int *width, int *height, char *message, size_t message_size) {
    uint8_t *pixels = kx_webp_decode_pixels(data, size, max_side, max_pixels, width, height, message, message_size);
    if (pixels == NULL) return -1;
    WebPFree(pixels);
    return 0;
}
/* Thumbnails: made from pixels the checks above decode anyway (JPEG at 1/8 scale, WEBP in full),
   averaged down to at most max_side on the long side and encoded as JPEG. PNG is decoded here
   (the ingest check relies on its chunk CRCs instead), so its thumbnail is made on first request. */

/* Averages an RGB image down to fit max_side (box filter: every source pixel counts once). */
static inline unsigned char *kx_rgb_fit(const unsigned char *rgb, int width, int height, int max_side,
                                         int *out_width, int *out_height) {
    int long_side = width > height ? width : height;
    int target_w = width, target_h = height;
    if (long_side > max_side) {
        target_w = (int)(((long)width * max_side + long_side - 1) / long_side);
        target_h = (int)(((long)height * max_side + long_side - 1) / long_side);
        if (target_w < 1) target_w = 1;
        if (target_h < 1) target_h = 1;
    }
    unsigned char *out = (unsigned char *)malloc((size_t)target_w * (size_t)target_h * 3);
    if (out == NULL) return NULL;
    for (int y = 0; y < target_h; y++) {
        int y0 = (int)((long)y * height / target_h), y1 = (int)((long)(y + 1) * height / target_h);
        if (y1 <= y0) y1 = y0 + 1;
        for (int x = 0; x < target_w; x++) {
            int x0 = (int)((long)x * width / target_w), x1 = (int)((long)(x + 1) * width / target_w);
            if (x1 <= x0) x1 = x0 + 1;
            unsigned long sum[3] = {0, 0, 0}, count = 0;
            for (int sy = y0; sy < y1; sy++) {
                const unsigned char *row = rgb + ((size_t)sy * (size_t)width + (size_t)x0) * 3;
                for (int sx = x0; sx < x1; sx++, row += 3) { sum[0] += row[0]; sum[1] += row[1]; sum[2] += row[2]; count++; }
            }
            unsigned char *pixel = out + ((size_t)y * (size_t)target_w + (size_t)x) * 3;
            for (int c = 0; c < 3; c++) pixel[c] = (unsigned char)((sum[c] + count / 2) / count);
        }
    }
    *out_width = target_w;
    *out_height = target_h;
    return out;
}

/* Encodes RGB pixels, fitted to max_side, as a JPEG the caller frees with kx_thumbnail_free. */
static inline int kx_rgb_thumbnail(const unsigned char *rgb, int width, int height, int max_side, int quality,
                                   unsigned char **jpeg, unsigned long *jpeg_size, int *out_width, int *out_height,
                                   char *message, size_t message_size) {
    unsigned char *fitted = kx_rgb_fit(rgb, width, height, max_side, out_width, out_height);
    if (fitted == NULL) { snprintf(message, message_size, "out of memory"); return -1; }
    tjhandle handle = tjInitCompress();
    if (handle == NULL) { free(fitted); snprintf(message, message_size, "tjInitCompress failed"); return -1; }
    *jpeg = NULL;
    *jpeg_size = 0;
    int status = tjCompress2(handle, fitted, *out_width, 0, *out_height, TJPF_RGB, jpeg, jpeg_size, TJSAMP_420, quality,
                             TJFLAG_FASTDCT);
    if (status != 0) snprintf(message, message_size, "%s", tjGetErrorStr2(handle));
    tjDestroy(handle);
    free(fitted);
    return status == 0 ? 0 : -1;
}

static inline void kx_thumbnail_free(unsigned char *jpeg) { tjFree(jpeg); }

/* The JPEG check, keeping the 1/8-scale pixels for a thumbnail: 0, or -1 with a message when the
   image does not decode, or -2 when only the thumbnail could not be made (the image is good). */
static inline int kx_jpeg_check_thumbnail(const unsigned char *data, unsigned long size, int max_side, long max_pixels,
                                          int thumb_side, int quality, unsigned char **jpeg, unsigned long *jpeg_size,
                                          int *thumb_w, int *thumb_h, char *message, size_t message_size) {
    int width = 0, height = 0, scaled_width = 0, scaled_height = 0;
    unsigned char *pixels = kx_jpeg_decode_scaled(data, size, max_side, max_pixels, &width, &height, &scaled_width,
                                                  &scaled_height, message, message_size);
    if (pixels == NULL) return -1;
    int made = kx_rgb_thumbnail(pixels, scaled_width, scaled_height, thumb_side, quality, jpeg, jpeg_size, thumb_w,
                                thumb_h, message, message_size);
    free(pixels);
    return made == 0 ? 0 : -2;
}

/* The WEBP check (a full decode), keeping the pixels for a thumbnail; results as above. */
static inline int kx_webp_check_thumbnail(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                          int thumb_side, int quality, unsigned char **jpeg, unsigned long *jpeg_size,
                                          int *thumb_w, int *thumb_h, char *message, size_t message_size) {
    int width = 0, height = 0;
    uint8_t *pixels = kx_webp_decode_pixels(data, size, max_side, max_pixels, &width, &height, message, message_size);
    if (pixels == NULL) return -1;
    int made = kx_rgb_thumbnail(pixels, width, height, thumb_side, quality, jpeg, jpeg_size, thumb_w, thumb_h, message,
                                message_size);
    WebPFree(pixels);
    return made == 0 ? 0 : -2;
}

/* A PNG decoded in full (composited on white when it has alpha) for its thumbnail; results as above. */
static inline int kx_png_thumbnail(const unsigned char *data, size_t size, int max_side, long max_pixels,
                                   int thumb_side, int quality, unsigned char **jpeg, unsigned long *jpeg_size,
                                   int *thumb_w, int *thumb_h, char *message, size_t message_size) {
    png_image image;
    if (kx_png_begin(&image, data, size, max_side, max_pixels, message, message_size) != 0) return -1;
    image.format = PNG_FORMAT_RGB;
    png_color white = {255, 255, 255};
    void *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (pixels == NULL) { snprintf(message, message_size, "out of memory"); png_image_free(&image); return -1; }
    if (!png_image_finish_read(&image, &white, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        free(pixels);
        png_image_free(&image);
        return -1;
    }
    int made = kx_rgb_thumbnail((const unsigned char *)pixels, (int)image.width, (int)image.height, thumb_side, quality,
                                jpeg, jpeg_size, thumb_w, thumb_h, message, message_size);
    free(pixels);
    png_image_free(&image);
    return made == 0 ? 0 : -2;
}

/* Decode buffers are megabytes each: have glibc mmap every block of at least `bytes` and unmap it
   on free, instead of raising its threshold dynamically and keeping them in per-thread arenas.
   M_MMAP_THRESHOLD is a macro, so Swift cannot pass it itself. Returns 1 when glibc accepted it. */
static inline int kx_fix_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}
#endif
